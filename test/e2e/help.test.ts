// Help texts. yargs renders them; the build stores each command path's text in dist/help.json
// (scripts/build.mjs) and `PATH --help` prints it without loading yargs (src/cli/stored-help.ts).
//
// yargs renders a command's help on every run that it does handle. The bundle's string-width stand-in
// (scripts/build/string-width.mjs) answers printable ASCII itself and loads the real module, about 30 ms of
// Unicode tables, for anything else: so every help text stays printable ASCII.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseCommandLine } from '../../src/cli/parse.js';
import { builtCli, runCli } from '../harness/run-built-cli.js';
import { repoRoot } from '../peers/versions.js';

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

const stored = JSON.parse(readFileSync(join(dirname(builtCli), 'help.json'), 'utf8')) as Record<
  string,
  string
>;

/** What yargs prints for `argv` from the declarations in src/ (console.log is its output). */
async function renderedByYargs(argv: string[]): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  try {
    expect(await parseCommandLine([...argv, '--help'])).toBeUndefined();
  } finally {
    spy.mockRestore();
  }
  return lines.map((line) => `${line}\n`).join('');
}

/** The command paths a help text lists under "Commands:" (`tekton-attest bundle push <ref>` -> `bundle push`). */
function listedCommands(text: string): string[] {
  const section = text.split('\n\n').find((block) => block.startsWith('Commands:')) ?? '';
  return section
    .split('\n')
    .slice(1)
    .map((line) => /^\s+tekton-attest ((?:[a-z-]+ ?)+)/.exec(line)?.[1]?.trim())
    .filter((path): path is string => path !== undefined);
}

describe('help texts', () => {
  it.each(COMMANDS)('of "%s" are printable ASCII', async (command) => {
    const help = await runCli([...command.split(' ').filter(Boolean), '--help']);
    expect(help.code).toBe(0);
    const outside = [...new Set(help.stdout.replace(/[\n\u0020-\u007E]/g, ''))];
    expect(outside).toEqual([]);
  });

  it('are stored for every command path the help lists', () => {
    const listed = Object.values(stored).flatMap(listedCommands);
    expect(listed).toContain('bundle push');
    expect(Object.keys(stored).sort()).toEqual(['', ...new Set(listed)].sort());
  });

  it.each(Object.keys(stored))('of "%s" as stored are what yargs renders from the source', async (path) => {
    expect(stored[path]).toBe(await renderedByYargs(path.split(' ').filter(Boolean)));
  });
});

describe('--help from the stored texts', () => {
  const work = mkdtempSync(join(tmpdir(), 'help-loaded-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The built CLI's stdout for `args`, and the JavaScript files it loaded (the bench's recorder). */
  async function runRecorded(args: string[], cli?: string) {
    const out = join(work, `loaded-${Math.random().toString(36).slice(2)}.json`);
    const result = await runCli(args, {
      nodeFlags: ['--import', join(repoRoot, 'bench', 'loaded-modules.mjs')],
      env: { BENCH_LOADED_OUT: out },
      ...(cli ? { cli } : {}),
    });
    expect(result.code, result.stderr).toBe(0);
    const { files } = JSON.parse(readFileSync(out, 'utf8')) as { files: string[] };
    return { stdout: result.stdout, files };
  }

  it.each(['--help', '-h', 'attest --help', 'bundle push -h'])(
    '%s loads no module but the entry',
    async (command) => {
      const args = command.split(' ');
      const { stdout, files } = await runRecorded(args);
      expect(stdout).toBe(stored[args.slice(0, -1).join(' ')]);
      expect(files.map((url) => url.replace(/.*\/dist\//, ''))).toEqual(['cli.js']);
    },
  );

  it('with options before --help goes to yargs, which prints the same help', async () => {
    const { stdout, files } = await runRecorded(['attest', '--log-level', 'debug', '--help']);
    expect(stdout).toBe(stored.attest);
    expect(files.length).toBeGreaterThan(1);
  });

  it('without dist/help.json goes to yargs, which prints the same help', async () => {
    const copy = join(work, 'dist');
    cpSync(dirname(builtCli), copy, { recursive: true });
    rmSync(join(copy, 'help.json'));
    // The copy is outside the repository: give it the package scope ("type": "module") dist/ has.
    writeFileSync(join(work, 'package.json'), '{"type":"module"}');
    const { stdout, files } = await runRecorded(['payload', '--help'], join(copy, 'cli.js'));
    expect(stdout).toBe(stored.payload);
    expect(files.length).toBeGreaterThan(1);
  });
});
