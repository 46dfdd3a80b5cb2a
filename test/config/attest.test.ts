// The attest config: transparency modes as Chains spells them.
import { describe, expect, it } from 'vitest';
import { parseTransparencyMode } from '../../src/config/attest.js';

describe('transparency modes', () => {
  it('parses true/false/manual (Chains values) and rejects others', () => {
    expect(parseTransparencyMode(undefined)).toBe('false');
    expect(parseTransparencyMode('TRUE')).toBe('true');
    expect(parseTransparencyMode('manual')).toBe('manual');
    expect(() => parseTransparencyMode('yes')).toThrow(/not a transparency mode/);
  });
});
