// The README must stay true: every flag each command accepts, and every Task param, is documented there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from './harness/run-built-cli.js';
import { repoRoot } from './peers/versions.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const COMMANDS = ['attest', 'payload', 'verify x', 'keygen', 'demo', 'bundle push x', 'bundle list x'];
const GLOBAL = new Set(['--help', '--version', '--log-level']);

async function flagsOf(command: string): Promise<string[]> {
  const help = await runCli([...command.split(' '), '--help']);
  expect(help.code).toBe(0);
  const flags = [...help.stdout.matchAll(/^\s+(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1] ?? '');
  return [...new Set(flags)].filter((flag) => !GLOBAL.has(flag));
}

describe('README.md', () => {
  it.each(COMMANDS)('documents every flag of %s', async (command) => {
    const flags = await flagsOf(command);
    expect(flags.length).toBeGreaterThan(0);
    const documented = (flag: string) => new RegExp(`${flag}(?![a-z0-9-])`).test(readme);
    expect(flags.filter((flag) => !documented(flag))).toEqual([]);
  });

  it('documents every Task param with its default', () => {
    const task = parse(readFileSync(join(repoRoot, 'task', 'tekton-attest.yaml'), 'utf8')) as {
      spec: { params: { name: string; default?: string }[] };
    };
    const rows = task.spec.params.filter((param) => {
      const row = readme.split('\n').find((line) => line.split('|')[1]?.trim() === `\`${param.name}\``);
      const documentedDefault = row?.split('|')[2]?.trim();
      return documentedDefault !== `\`${param.default === '' ? '""' : param.default}\``;
    });
    expect(rows.map((param) => param.name)).toEqual([]);
  });
});
