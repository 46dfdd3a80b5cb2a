import { X509Certificate } from '@sigstore/core';

const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/** Who a Fulcio certificate names: the SAN (e.g. the service-account URI) and the OIDC issuer extension. */
export interface CertificateIdentity {
  subjectAlternativeName: string | undefined;
  issuer: string | undefined;
  notBefore: Date;
  notAfter: Date;
}

export function parseCertificate(pem: string): X509Certificate {
  return X509Certificate.parse(pem);
}

/** Reads the identity the way cosign and @sigstore/verify do (issuer: v2 extension, else the legacy one). */
export function certificateIdentity(cert: X509Certificate): CertificateIdentity {
  const v2 = cert.extension(OID_ISSUER_V2);
  const issuer = v2
    ? v2.valueObj.subs?.[0]?.value.toString('ascii')
    : cert.extension(OID_ISSUER_V1)?.value.toString('ascii');
  return {
    subjectAlternativeName: cert.subjectAltName,
    issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/** PEM certificates, each ending in a newline, concatenated (the form of cosign's chain annotation). */
export function joinPem(certificates: readonly string[]): string {
  return certificates.map((c) => `${c.trim()}\n`).join('');
}
