import type { IdentityPolicy } from '../config/verify.js';
import { AttestError } from '../errors.js';
import type { CertificateIdentity } from '../signing/fulcio-certificate.js';

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
