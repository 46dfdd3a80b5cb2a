// The attest config: transparency modes as Chains spells them.
import { describe, expect, it } from 'vitest';
import { parseAttestConfig, parseTransparencyMode } from '../../src/config/attest.js';
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
