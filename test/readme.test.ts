// The README must stay true: every flag each command accepts, and every Task param, is documented there, and
// the newcomer's commands (the CLI from a clone, demo's cosign check) run as written.
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from './harness/run-built-cli.js';
import { runCosign } from './peers/cosign.js';
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

  it("documents demo's cosign check with the whole subject digest, and the command passes as documented", async () => {
    const root = await mkdtemp(join(tmpdir(), 'readme-demo-'));
    const demo = await runCli(['demo', '--output-dir', root], { env: { COSIGN_PASSWORD: undefined } });
    expect(demo.code, demo.stderr).toBe(0);
    const printed = demo.stderr.split('\n').find((line) => line.includes('cosign verify-blob-attestation'));
    const block = /```sh\n(cosign verify-blob-attestation[^`]*)```/.exec(readme)?.[1] ?? '';
    const documented = block.replace(/\\\n/g, ' ').replaceAll('DIR', root).trim().split(/\s+/);
    const digestOf = (args: readonly string[]) => args[args.indexOf('--digest') + 1];
    expect(digestOf(documented)).toMatch(/^[a-f0-9]{64}$/);
    expect(digestOf(documented)).toBe(digestOf((printed ?? '').trim().split(/\s+/)));
    const [command, ...args] = documented;
    expect(command).toBe('cosign');
    const result = await runCosign(args);
    expect(result.code, result.stderr).toBe(0);
  });

  it('says how to run the CLI from a clone, and the documented commands run', async () => {
    for (const line of ['npm ci && npm run build', 'node dist/cli.js --help', 'npm link']) {
      expect(readme).toContain(line);
    }
    expect(readme).toContain('https://github.com/sigstore/cosign/releases');
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tekton-attest <command>');
  });
});
