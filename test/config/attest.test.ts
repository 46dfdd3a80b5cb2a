// The attest config (and the payload config's output paths): transparency modes as Chains spells them, signer combinations, output paths.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAttestConfig, parseTransparencyMode } from '../../src/config/attest.js';
import { parsePayloadConfig } from '../../src/config/payload.js';
import { writeFileAtomically } from '../../src/files.js';
import { rejectionOf } from '../harness/attest-error.js';

describe('transparency modes', () => {
  it('parses true/false/manual (Chains values) and rejects others', () => {
    expect(parseTransparencyMode(undefined)).toBe('false');
    expect(parseTransparencyMode('TRUE')).toBe('true');
    expect(parseTransparencyMode('manual')).toBe('manual');
    expect(() => parseTransparencyMode('yes')).toThrow(/not a transparency mode/);
  });
});

describe('signer', () => {
  const base = { storage: 'tekton' };

  it('refuses --signer keyless with a --key or --key-password-file instead of ignoring them', async () => {
    for (const extra of [{ key: 'cosign.key' }, { 'key-password-file': 'pw.txt' }]) {
      const error = await rejectionOf(parseAttestConfig({ ...base, signer: 'keyless', ...extra }));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain(
        '--signer keyless signs with a Fulcio certificate and uses no key, but --key',
      );
      expect(error.hint).toContain('--signer key');
    }
  });

  it("accepts keyless with the Task's default key directory, which the Task passes whatever the signer", async () => {
    const config = await parseAttestConfig({
      ...base,
      signer: 'keyless',
      key: '/var/run/tekton-attest/signing-secrets',
    });
    expect(config.signer.kind).toBe('keyless');
    expect((await parseAttestConfig({ ...base, key: 'cosign.key' })).signer).toMatchObject({ kind: 'key' });
  });
});

describe('output paths are checked before any work', () => {
  it('refuses --results-dir at a file, --output at a directory, with the flag named (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outputs-'));
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const resultsDir = await rejectionOf(parseAttestConfig({ key: 'cosign.key', 'results-dir': file }));
    expect(resultsDir.code).toBe('INVALID_ARGUMENT');
    expect(resultsDir.message).toBe(`--results-dir ${file} is a file, not a directory`);
    const outputDir = await rejectionOf(
      parseAttestConfig({ key: 'cosign.key', storage: 'file', 'output-dir': file }),
    );
    expect(outputDir.message).toBe(`--output-dir ${file} is a file, not a directory`);
    for (const name of ['output', 'output-envelope']) {
      const error = await rejectionOf(
        (async () => parsePayloadConfig({ pipelinerun: 'pr.yaml', sign: true, key: 'k', [name]: dir }))(),
      );
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toBe(`--${name} ${dir} is a directory, not a file`);
    }
    const fine = await parseAttestConfig({ key: 'cosign.key', 'results-dir': join(dir, 'new') });
    expect(fine.resultsDir).toBe(join(dir, 'new'));
  });

  it('a write that fails anyway names the path, not a bare system error', async () => {
    const missing = join(tmpdir(), 'no-such-dir-for-tekton-attest', 'out.json');
    const error = await rejectionOf(writeFileAtomically(missing, 'x'));
    expect(error.message).toBe(`cannot write ${missing}: ENOENT`);
  });
});

describe("TaskRun-level artifacts (Chains' artifacts.taskrun.*)", () => {
  const base = { key: 'cosign.key' };

  it("defaults to Chains' own: slsa/v1 (Chains' in-toto) to tekton; none turns them off", async () => {
    const defaults = await parseAttestConfig(base);
    expect(defaults.taskRuns.storage).toEqual(['tekton']);
    expect(defaults.taskRuns.format).toMatchObject({
      format: 'slsa/v1',
      builderId: 'https://tekton.dev/chains/v2',
    });
    expect((await parseAttestConfig({ ...base, 'taskrun-storage': 'none' })).taskRuns.storage).toEqual([]);
    const chosen = await parseAttestConfig({
      ...base,
      'taskrun-format': 'in-toto',
      'taskrun-storage': 'oci, tekton,oci',
      'build-type': 'https://tekton.dev/chains/v2/slsa-tekton',
    });
    expect(chosen.taskRuns).toEqual({
      format: expect.objectContaining({ format: 'slsa/v1' }),
      storage: ['oci', 'tekton'],
    });
    const v1 = await parseAttestConfig({ ...base, 'taskrun-format': 'slsa/v2alpha4' });
    expect(v1.taskRuns.format).toMatchObject({
      format: 'slsa/v2alpha4',
      buildType: 'https://tekton.dev/chains/v2/slsa',
    });
  });

  it('refuses unknown formats and backends with the flag named, and file storage without --output-dir', async () => {
    const format = await rejectionOf(parseAttestConfig({ ...base, 'taskrun-format': 'slsa/v9' }));
    expect(format.message).toBe('--taskrun-format slsa/v9 is not a known format');
    expect(format.hint).toContain('tekton (legacy');
    const storage = await rejectionOf(parseAttestConfig({ ...base, 'taskrun-storage': 'tekton,gcs' }));
    expect(storage.message).toBe('--taskrun-storage gcs is not a storage backend');
    expect(storage.hint).toContain('none');
    const file = await rejectionOf(parseAttestConfig({ ...base, 'taskrun-storage': 'file' }));
    expect(file.message).toBe('--taskrun-storage file needs --output-dir');
  });

  it('the legacy tekton format: annotations only, for the PipelineRun and the TaskRuns alike', async () => {
    const both = await parseAttestConfig({
      ...base,
      format: 'tekton',
      storage: 'tekton',
      'taskrun-format': 'tekton',
    });
    expect(both.format).toEqual({ format: 'tekton' });
    expect(both.taskRuns).toEqual({ format: { format: 'tekton' }, storage: ['tekton'] });
    const taskRunOci = await rejectionOf(
      parseAttestConfig({ ...base, 'taskrun-format': 'tekton', 'taskrun-storage': 'tekton,oci' }),
    );
    expect(taskRunOci.code).toBe('INVALID_ARGUMENT');
    expect(taskRunOci.message).toContain('--taskrun-format tekton cannot be stored in oci');
    expect(taskRunOci.hint).toContain('--taskrun-storage tekton');
    // The PipelineRun's default storage (tekton,oci) holds DSSE in the registry: --format tekton must say so.
    const deep = await rejectionOf(
      parseAttestConfig({ ...base, format: 'tekton', storage: 'tekton', 'deep-inspection': true }),
    );
    expect(deep.message).toBe('--deep-inspection has nothing to inspect with --format tekton');
    const pipelineRun = await rejectionOf(parseAttestConfig({ ...base, format: 'tekton' }));
    expect(pipelineRun.message).toContain('--format tekton cannot be stored in oci');
    expect(pipelineRun.hint).toContain('--storage tekton');
  });

  it("--chains-config: artifacts.taskrun.format and .storage fill what flags do not set; Chains' empty storage means none", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chains-taskrun-'));
    const file = join(dir, 'chains-config');
    await writeFile(file, 'artifacts.taskrun.format=tekton\nartifacts.taskrun.storage=tekton\n');
    const fromChains = await parseAttestConfig({ ...base, 'chains-config': file });
    expect(fromChains.taskRuns).toEqual({ format: { format: 'tekton' }, storage: ['tekton'] });
    const flagsWin = await parseAttestConfig({
      ...base,
      'chains-config': file,
      'taskrun-format': 'slsa/v2alpha3',
    });
    expect(flagsWin.taskRuns.format.format).toBe('slsa/v2alpha3');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\ndata:\n  artifacts.taskrun.storage: ""\n');
    expect((await parseAttestConfig({ ...base, 'chains-config': file })).taskRuns.storage).toEqual([]);
  });
});
