// yargs renders a command's help on every run (it caches it before the handler runs). The bundle's
// string-width stand-in (scripts/build/string-width.mjs) answers printable ASCII itself and loads the real
// module, about 30 ms of Unicode tables, for anything else: so every help text stays printable ASCII.
import { describe, expect, it } from 'vitest';
import { runCli } from '../harness/run-built-cli.js';

const COMMANDS = [
  '',
  'attest',
  'payload',
  'verify x',
  'keygen',
  'demo',
  'bundle',
  'bundle push x',
  'bundle list x',
];

describe('help texts', () => {
  it.each(COMMANDS)('of "%s" are printable ASCII', async (command) => {
    const help = await runCli([...command.split(' ').filter(Boolean), '--help']);
    expect(help.code).toBe(0);
    const outside = [...new Set(help.stdout.replace(/[\n\u0020-\u007E]/g, ''))];
    expect(outside).toEqual([]);
  });
});
