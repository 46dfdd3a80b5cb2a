import { createHash, createPublicKey } from 'node:crypto';
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  type Bundle,
  bundleToJSON,
  envelopeFromJSON,
  type SerializedBundle,
  type TransparencyLogEntry,
} from '@sigstore/bundle';
import type { SignedEnvelope, TlogEntry } from './types.js';

/**
 * The sigstore bundle for a signed attestation (what the OCI 1.1 referrer layer and `cosign
 * verify-attestation` on the bundle path read): the DSSE envelope, the certificate (keyless) or a key hint,
 * and the Rekor entry when one was logged.
 *
 * v0.3 needs Rekor's inclusion proof; an entry that came back with only a signed entry timestamp gets a
 * v0.1 bundle (which accepts that) instead of an invalid v0.3 one.
 */
export function toSigstoreBundle(attestation: SignedEnvelope): SerializedBundle {
  const entry = attestation.tlogEntry;
  const legacy = entry !== undefined && entry.inclusionProof === undefined;
  const certificate = attestation.certificatePem ? pemToDer(attestation.certificatePem) : undefined;
  const bundle: Bundle = {
    mediaType: legacy ? BUNDLE_V01_MEDIA_TYPE : BUNDLE_V03_MEDIA_TYPE,
    content: { $case: 'dsseEnvelope', dsseEnvelope: envelopeFromJSON(attestation.envelope) },
    verificationMaterial: {
      content: certificate
        ? legacy
          ? {
              $case: 'x509CertificateChain',
              x509CertificateChain: { certificates: [{ rawBytes: certificate }] },
            }
          : { $case: 'certificate', certificate: { rawBytes: certificate } }
        : { $case: 'publicKey', publicKey: { hint: publicKeyHint(attestation.publicKeyPem) } },
      tlogEntries: entry ? [toTransparencyLogEntry(entry)] : [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
  };
  return bundleToJSON(bundle);
}

/** cosign's key hint: base64 of SHA-256 over the PKIX (SPKI DER) public key. */
export function publicKeyHint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(der).digest('base64');
}

function pemToDer(pem: string): Buffer {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1] ?? '';
  return Buffer.from(body.replace(/\s/g, ''), 'base64');
}

export function toTransparencyLogEntry(entry: TlogEntry): TransparencyLogEntry {
  const canonicalizedBody = Buffer.from(entry.body, 'base64');
  const body = JSON.parse(canonicalizedBody.toString('utf8')) as { kind?: string; apiVersion?: string };
  const proof = entry.inclusionProof;
  return {
    logIndex: String(entry.logIndex),
    logId: { keyId: Buffer.from(entry.logId, 'hex') },
    kindVersion: { kind: body.kind ?? '', version: body.apiVersion ?? '' },
    integratedTime: String(entry.integratedTime),
    inclusionPromise: entry.signedEntryTimestamp
      ? { signedEntryTimestamp: Buffer.from(entry.signedEntryTimestamp, 'base64') }
      : undefined,
    inclusionProof: proof
      ? {
          logIndex: String(proof.logIndex),
          treeSize: String(proof.treeSize),
          rootHash: Buffer.from(proof.rootHash, 'hex'),
          hashes: proof.hashes.map((h) => Buffer.from(h, 'hex')),
          checkpoint: { envelope: proof.checkpoint },
        }
      : undefined,
    canonicalizedBody,
  };
}
