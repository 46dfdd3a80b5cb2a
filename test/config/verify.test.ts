// The verify config: who may have signed (keyless identity flags).
import { describe, expect, it } from 'vitest';
import { parseIdentityPolicy } from '../../src/config/verify.js';

const SAN = 'https://kubernetes.io/namespaces/builds/serviceaccounts/pipeline';

describe('parseIdentityPolicy', () => {
  it('needs an identity and issuer for keyless, and one identity flag at most', () => {
    expect(() => parseIdentityPolicy({}, false)).toThrow(
      /keyless verification \(no --key\) needs the identity/,
    );
    expect(() => parseIdentityPolicy({ 'certificate-identity': SAN }, false)).toThrow(/needs the identity/);
    expect(parseIdentityPolicy({}, true)).toEqual({});
    expect(
      parseIdentityPolicy({ 'certificate-identity': SAN, 'certificate-oidc-issuer': 'https://i' }, false),
    ).toEqual({
      identity: SAN,
      oidcIssuer: 'https://i',
    });
    expect(() =>
      parseIdentityPolicy(
        { 'certificate-identity': SAN, 'certificate-identity-regexp': '.*', 'certificate-oidc-issuer': 'x' },
        false,
      ),
    ).toThrow(/both given/);
    expect(() =>
      parseIdentityPolicy({ 'certificate-identity-regexp': '(', 'certificate-oidc-issuer': 'x' }, false),
    ).toThrow(/is not a regular expression/);
  });
});
