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
