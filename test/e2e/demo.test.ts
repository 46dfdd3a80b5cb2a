import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ATTEST_TASKRUN } from '../../src/demo/pipelinerun.js';
import { parseEnvelope } from '../../src/signing/dsse.js';
import { decodePem } from '../../src/signing/pem-key.js';
import { verifyEnvelope } from '../../src/signing/sign-payload.js';
import { builtCli, type CliResult, runCli } from '../harness/run-built-cli.js';
import { runCosign } from '../peers/cosign.js';

const IMAGE = 'registry.example.com/team/hello-app';
const IMAGE_DIGEST = 'c6cad725fced12b1e7594736b205ac4ca71d0f3a665e2e471f6e23b9f1debc86';
const APP_COMMIT = 'bddc864da73307bfe907b4199a0656c5ad5e8147';

let root: string;
let dir: string;
let first: CliResult;

const read = (name: string) => readFile(join(dir, name), 'utf8');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'demo-cli-'));
  dir = join(root, 'out');
  first = await runCli(['demo', '--output-dir', dir], { cwd: root, env: { COSIGN_PASSWORD: undefined } });
});

describe('tekton-attest demo', () => {
  it('exits 0 and writes the key pair, the inputs, both statements and both envelopes', async () => {
    expect(first.code, first.stderr).toBe(0);
    for (const name of [
      'cosign.key',
      'cosign.pub',
      'pipelinerun.json',
      'taskruns.json',
      'statement-slsa-v1.0.json',
      'envelope-slsa-v1.0.json',
      'statement-slsa-v0.2.json',
      'envelope-slsa-v0.2.json',
    ]) {
      expect((await stat(join(dir, name))).size, name).toBeGreaterThan(0);
    }
    expect((await stat(join(dir, 'cosign.key'))).mode & 0o777).toBe(0o600);
  });

  it('prints where the files are and the subjects, materials and tasks tables, and no key material', async () => {
    const out = first.stderr;
    expect(out).toContain(`Files in ${dir}`);
    expect(out).toMatch(/SUBJECT\s+DIGEST/);
    expect(out).toContain(IMAGE);
    expect(out).toMatch(/MATERIAL.*URI\s+DIGEST/);
    expect(out).toContain('git+https://github.com/example-org/hello-app.git');
    expect(out).toMatch(/PIPELINE TASK\s+TASKRUN\s+STATUS/);
    for (const task of ['clone', 'scan', 'build', 'notify']) expect(out).toMatch(new RegExp(`\\n${task}\\s`));
    expect(out).toMatch(/attest\s+hello-app-build-x7k2p-attest\s+Running \(this task: excluded\)/);
    expect(out.match(/verified with cosign\.pub/g)).toHaveLength(2);
    const keyBody = decodePem(await read('cosign.key'), 'key').der.toString('base64');
    expect(out + first.stdout).not.toContain(keyBody.slice(0, 40));
  });

  it('prints a payload command that runs as printed and signs the same statement', async () => {
    const line = first.stderr.split('\n').find((l) => l.includes(' payload --pipelinerun '));
    expect(line, first.stderr).toBeDefined();
    const [node, script, ...args] = (line ?? '').trim().split(/\s+/);
    expect(node).toBe('node');
    expect(script).toBe(builtCli);
    const again = await runCli(args, { cwd: root, env: { COSIGN_PASSWORD: '' } });
    expect(again.code, again.stderr).toBe(0);
    const envelope = parseEnvelope(await readFile(join(root, 'envelope.json'), 'utf8'), 'envelope.json');
    expect(verifyEnvelope(envelope, await read('cosign.pub'))).toBe(true);
    expect(Buffer.from(envelope.payload, 'base64').toString('utf8')).toBe(
      await read('statement-slsa-v1.0.json'),
    );
  });

  it('signs envelopes that verify with cosign.pub, and whose payload is the statement file', async () => {
    const pub = await read('cosign.pub');
    for (const label of ['slsa-v1.0', 'slsa-v0.2']) {
      const envelope = parseEnvelope(await read(`envelope-${label}.json`), label);
      expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
      expect(verifyEnvelope(envelope, pub)).toBe(true);
      expect(Buffer.from(envelope.payload, 'base64').toString('utf8')).toBe(
        await read(`statement-${label}.json`),
      );
    }
  });

  it('builds a finally-time SLSA v1.0 statement: image subject, git source, attest task left out', async () => {
    const statement = JSON.parse(await read('statement-slsa-v1.0.json'));
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.subject).toEqual([{ name: IMAGE, digest: { sha256: IMAGE_DIGEST } }]);
    const deps = statement.predicate.buildDefinition.resolvedDependencies as {
      uri: string;
      digest: object;
    }[];
    expect(deps).toContainEqual({
      name: 'inputs/result',
      uri: 'git+https://github.com/example-org/hello-app.git',
      digest: { sha1: APP_COMMIT },
    });
    expect(JSON.stringify(deps)).not.toContain('tekton-attest');
    // No status.results while finally runs: buildFinishedOn is the latest finished sibling (notify).
    expect(statement.predicate.runDetails.metadata.finishedOn).toBe('2026-03-02T10:04:33Z');
  });

  it('builds the SLSA v0.2 statement with the four executed tasks', async () => {
    const statement = JSON.parse(await read('statement-slsa-v0.2.json'));
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v0.2');
    expect(statement.subject).toEqual([{ name: IMAGE, digest: { sha256: IMAGE_DIGEST } }]);
    const tasks = statement.predicate.buildConfig.tasks as { name: string }[];
    expect(tasks.map((t) => t.name)).toEqual(['clone', 'scan', 'build', 'notify']);
    expect(statement.predicate.materials).toContainEqual({
      uri: 'git+https://github.com/example-org/hello-app.git',
      digest: { sha1: APP_COMMIT },
    });
  });

  it('produces envelopes the real cosign accepts for the image digest (and rejects for another)', async () => {
    for (const [label, type] of [
      ['slsa-v1.0', 'slsaprovenance1'],
      ['slsa-v0.2', 'slsaprovenance'],
    ] as const) {
      const args = (digest: string) => [
        'verify-blob-attestation',
        '--key',
        join(dir, 'cosign.pub'),
        '--signature',
        join(dir, `envelope-${label}.json`),
        '--type',
        type,
        '--digest',
        digest,
        '--digestAlg',
        'sha256',
        '--insecure-ignore-tlog',
      ];
      const ok = await runCosign(args(IMAGE_DIGEST));
      expect(ok.code, ok.stderr).toBe(0);
      const wrong = await runCosign(args('0'.repeat(64)));
      expect(wrong.code).not.toBe(0);
    }
  });

  it('prints the cosign verify-blob-attestation command with the whole subject digest, and it passes as printed', async () => {
    expect(first.stderr).toContain(`${IMAGE}  sha256:${IMAGE_DIGEST}`);
    const line = first.stderr.split('\n').find((l) => l.includes('cosign verify-blob-attestation '));
    const [command, ...args] = (line ?? '').trim().split(/\s+/);
    expect(command).toBe('cosign');
    expect(args).toContain(IMAGE_DIGEST);
    const result = await runCosign(args, { cwd: root });
    expect(result.code, result.stderr).toBe(0);
  });

  it('is what `payload` builds from the written inputs (one code path)', async () => {
    const result = await runCli([
      'payload',
      '--pipelinerun',
      join(dir, 'pipelinerun.json'),
      '--taskruns',
      join(dir, 'taskruns.json'),
      '--exclude-taskrun',
      DEMO_ATTEST_TASKRUN,
      '--format',
      'slsa/v2alpha4',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${await read('statement-slsa-v1.0.json')}\n`);
  });

  it('re-runs into the same directory, keeping its key pair', async () => {
    const pub = await read('cosign.pub');
    const again = await runCli(['demo', '--output-dir', dir], { env: { COSIGN_PASSWORD: undefined } });
    expect(again.code, again.stderr).toBe(0);
    expect(await read('cosign.pub')).toBe(pub);
  });

  it('fails (exit 1, no stack trace) when the directory holds a cosign.pub that does not match', async () => {
    const other = join(root, 'mismatch');
    expect((await runCli(['demo', '--output-dir', other])).code).toBe(0);
    await writeFile(join(other, 'cosign.pub'), await read('cosign.pub'));
    const result = await runCli(['demo', '--output-dir', other], { env: { COSIGN_PASSWORD: undefined } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('did not verify with');
    expect(result.stderr).toContain('DOES NOT VERIFY');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('uses a new temp directory by default', async () => {
    const result = await runCli(['demo']);
    expect(result.code, result.stderr).toBe(0);
    const where = /Files in (\S+):/.exec(result.stderr)?.[1];
    expect(where).toBeDefined();
    expect(where).toContain('tekton-attest-demo-');
    expect((await stat(join(where!, 'envelope-slsa-v1.0.json'))).isFile()).toBe(true);
    await rm(where!, { recursive: true, force: true });
  });
});
