// The limits a user sets: deadlines and read sizes, parsed once in config/ with the flag named on refusal.
import { describe, expect, it } from 'vitest';
import { parseAttestConfig } from '../../src/config/attest.js';
import { parseRegistryAccess } from '../../src/config/registry.js';
import { parseSize } from '../../src/config/values.js';

describe('limits', () => {
  it('reads sizes in binary units or bytes, and refuses what is not a size', () => {
    expect(parseSize('64Mi', '--max-input-size', 1)).toBe(64 * 2 ** 20);
    expect(parseSize('512KiB', '--max-input-size', 1)).toBe(512 * 1024);
    expect(parseSize('1gi', '--max-input-size', 1)).toBe(2 ** 30);
    expect(parseSize('1000', '--max-input-size', 1)).toBe(1000);
    expect(parseSize(undefined, '--max-input-size', 7)).toBe(7);
    for (const bad of ['0', '-1', 'lots', '10 MB', '1.5.2Mi']) {
      expect(() => parseSize(bad, '--max-input-size', 1), bad).toThrow(
        `--max-input-size ${bad} is not a size`,
      );
    }
  });

  it('gives every registry request a deadline, 60s unless set, and refuses a zero one', () => {
    expect(parseRegistryAccess({}).requestTimeoutMs).toBe(60_000);
    expect(parseRegistryAccess({ 'registry-request-timeout': '5s' }).requestTimeoutMs).toBe(5_000);
    expect(() => parseRegistryAccess({ 'registry-request-timeout': '0' })).toThrow(
      '--registry-request-timeout 0 must be more than 0',
    );
  });

  it('gives the run a deadline of 10m unless set, longer than the wait for siblings', async () => {
    const base = { key: 'cosign.key', storage: 'tekton' };
    expect((await parseAttestConfig(base)).timeoutMs).toBe(600_000);
    expect((await parseAttestConfig({ ...base, timeout: '90s', 'wait-timeout': '1m' })).timeoutMs).toBe(
      90_000,
    );
    await expect(parseAttestConfig({ ...base, timeout: '5m' })).rejects.toThrow(
      '--timeout 5m does not leave time to sign and store after --wait-timeout 5m',
    );
  });
});
