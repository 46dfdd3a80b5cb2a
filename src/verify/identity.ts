import { AttestError } from '../errors.js';
import type { CertificateIdentity } from '../signing/fulcio-certificate.js';

/** Who may have signed a keyless attestation (cosign's flags of the same names). */
export interface IdentityPolicy {
  identity?: string;
  identityRegexp?: RegExp;
  oidcIssuer?: string;
}

/**
 * Reads the identity flags. Without `--key`, the signature is keyless and, as with cosign, the caller must
 * say which identity and issuer to trust: a valid Fulcio certificate alone proves nothing about who signed.
 */
export function identityPolicy(options: Record<string, unknown>, hasKey: boolean): IdentityPolicy {
  const text = (name: string) => {
    const value = options[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const policy: IdentityPolicy = {};
  const identity = text('certificate-identity');
  const regexp = text('certificate-identity-regexp');
  const issuer = text('certificate-oidc-issuer');
  if (identity && regexp) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      '--certificate-identity and --certificate-identity-regexp were both given',
      {
        hint: 'pass one of them',
      },
    );
  }
  if (identity) policy.identity = identity;
  if (regexp) {
    try {
      policy.identityRegexp = new RegExp(regexp);
    } catch (error) {
      throw new AttestError(
        'INVALID_ARGUMENT',
        `--certificate-identity-regexp ${regexp} is not a regular expression: ${(error as Error).message}`,
        {
          hint: 'anchor it like ^https://kubernetes\\.io/namespaces/builds/serviceaccounts/.*$',
        },
      );
    }
  }
  if (issuer) policy.oidcIssuer = issuer;
  if (!hasKey && (!(identity || regexp) || !issuer)) {
    throw new AttestError('INVALID_ARGUMENT', 'keyless verification (no --key) needs the identity to trust', {
      hint:
        'pass --certificate-identity (or --certificate-identity-regexp) and --certificate-oidc-issuer, e.g. ' +
        '--certificate-identity https://kubernetes.io/namespaces/NS/serviceaccounts/SA --certificate-oidc-issuer ISSUER',
    });
  }
  return policy;
}

/** Checks a certificate's identity against the policy (exact SAN, or unanchored regexp as cosign; exact issuer). */
export function checkIdentity(found: CertificateIdentity, policy: IdentityPolicy, source: string): void {
  const san = found.subjectAlternativeName ?? '';
  const fail = (what: string, hint: string) =>
    new AttestError('VERIFY_FAILED', `${source}: the certificate ${what}`, { hint });
  if (policy.identity !== undefined && san !== policy.identity) {
    throw fail(
      `identity is ${san || '(none)'}, not ${policy.identity}`,
      'check --certificate-identity against the signing service account',
    );
  }
  if (policy.identityRegexp && !policy.identityRegexp.test(san)) {
    throw fail(
      `identity ${san || '(none)'} does not match ${policy.identityRegexp.source}`,
      'check --certificate-identity-regexp',
    );
  }
  if (policy.oidcIssuer !== undefined && found.issuer !== policy.oidcIssuer) {
    throw fail(
      `issuer is ${found.issuer ?? '(none)'}, not ${policy.oidcIssuer}`,
      "check --certificate-oidc-issuer against the cluster's service-account issuer",
    );
  }
}
