// Just over 300 lines: the three stored forms (.att layer, .sig layer, sigstore bundle) into one material, and
// the one sigstore verification they all go through (certificate chain and identity, key, Rekor entry).
import { createHash, createPublicKey } from 'node:crypto';
import { type Bundle, bundleFromJSON, envelopeFromJSON, envelopeToJSON } from '@sigstore/bundle';
import { crypto, X509Certificate } from '@sigstore/core';
import { HashAlgorithm, type TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { verifyCertificateChain } from '@sigstore/verify/dist/key/certificate.js';
import { verifySCTs } from '@sigstore/verify/dist/key/sct.js';
import type { IdentityPolicy } from '../config/verify.js';
import { AttestError } from '../errors.js';
import { parseEnvelope } from '../signing/dsse.js';
import { type CertificateIdentity, certificateIdentity } from '../signing/fulcio-certificate.js';
import { parseRekorBundleAnnotation } from '../signing/rekor-bundle.js';
import { toTransparencyLogEntry } from '../signing/sigstore-bundle.js';
import type { Envelope, TlogEntry } from '../signing/types.js';
import { checkIdentity } from './identity.js';
import { checkEntryMatchesLayer } from './tlog.js';
import { emptyTrustedRoot } from './trusted-root.js';

/** cosign's layer annotations, declared here apart from the writers' (see reader.ts). */
export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
const REKOR_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/** One stored signature, from a `.att` layer or a sigstore bundle, in the form the checks below need. */
export interface SignatureMaterial {
  /** Names the layer or bundle in messages. */
  source: string;
  envelope: Envelope;
  /** The exact stored envelope bytes when they are what was logged (the `.att` layer blob). */
  envelopeJson?: string;
  certificatePem?: string;
  tlogEntry?: TlogEntry;
}

/** One `.sig` layer: the signed payload (the blob) and its detached signature, certificate and log entry. */
export interface PayloadSignatureMaterial {
  source: string;
  payload: Buffer;
  /** The signature over `payload` (the decoded `dev.cosignproject.cosign/signature` annotation). */
  signature: Buffer;
  certificatePem?: string;
  tlogEntry?: TlogEntry;
}

export interface SigstoreVerifyOptions {
  /** `--key`: the signature must verify with it (key-signed); without it the signature is keyless. */
  publicKeyPem?: string;
  identity: IdentityPolicy;
  /** `--insecure-ignore-tlog` */
  ignoreTlog: boolean;
  /** Loaded only when needed (keyless, or a log entry to check). */
  trustedRoot: () => Promise<TrustedRoot>;
}

export interface VerifiedSignature {
  kind: 'key' | 'keyless';
  identity?: CertificateIdentity;
  tlog?: { logIndex: number; integratedTime: number };
}

/** A `.att` layer: its blob (the envelope bytes) and its annotations (certificate, Rekor bundle). */
export function materialFromLayer(
  blob: Uint8Array | string,
  annotations: Record<string, string | undefined>,
  source: string,
): SignatureMaterial {
  const envelopeJson = typeof blob === 'string' ? blob : Buffer.from(blob).toString('utf8');
  const material: SignatureMaterial = { source, envelope: parseEnvelope(envelopeJson, source), envelopeJson };
  const certificate = annotations[CERTIFICATE_ANNOTATION];
  if (certificate) material.certificatePem = certificate;
  const rekorBundle = annotations[REKOR_BUNDLE_ANNOTATION];
  if (rekorBundle) material.tlogEntry = parseRekorBundleAnnotation(rekorBundle, source);
  return material;
}

/** A `.sig` layer: its blob (the simple-signing payload) and its annotations (signature, certificate, Rekor bundle). */
export function materialFromSignatureLayer(
  blob: Uint8Array,
  annotations: Record<string, string | undefined>,
  source: string,
): PayloadSignatureMaterial {
  const signature = annotations[SIGNATURE_ANNOTATION];
  if (!signature)
    throw new AttestError('VERIFY_FAILED', `${source} has no ${SIGNATURE_ANNOTATION} annotation`);
  const material: PayloadSignatureMaterial = {
    source,
    payload: Buffer.from(blob),
    signature: Buffer.from(signature, 'base64'),
  };
  const certificate = annotations[CERTIFICATE_ANNOTATION];
  if (certificate) material.certificatePem = certificate;
  const rekorBundle = annotations[REKOR_BUNDLE_ANNOTATION];
  if (rekorBundle) material.tlogEntry = parseRekorBundleAnnotation(rekorBundle, source);
  return material;
}

/** A sigstore bundle (the OCI 1.1 referrer layer). */
export function materialFromSigstoreBundle(json: unknown, source: string): SignatureMaterial {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (error) {
    throw new AttestError('VERIFY_FAILED', `${source} is not a sigstore bundle: ${(error as Error).message}`);
  }
  if (bundle.content.$case !== 'dsseEnvelope') {
    throw new AttestError('VERIFY_FAILED', `${source} holds a message signature, not a DSSE attestation`);
  }
  const envelope = envelopeToJSON(bundle.content.dsseEnvelope);
  const material: SignatureMaterial = {
    source,
    envelope: {
      payloadType: envelope.payloadType,
      payload: envelope.payload,
      signatures: envelope.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })),
    },
  };
  const content = bundle.verificationMaterial.content;
  const der =
    content.$case === 'certificate'
      ? content.certificate.rawBytes
      : content.$case === 'x509CertificateChain'
        ? content.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  if (der) material.certificatePem = derToPem(Buffer.from(der));
  const entry = bundle.verificationMaterial.tlogEntries[0];
  if (entry) {
    material.tlogEntry = {
      logIndex: Number(entry.logIndex),
      logId: entry.logId.keyId.toString('hex'),
      integratedTime: Number(entry.integratedTime),
      signedEntryTimestamp: entry.inclusionPromise?.signedEntryTimestamp.toString('base64') ?? '',
      body: entry.canonicalizedBody.toString('base64'),
      url: '',
    };
    if (entry.inclusionProof) {
      material.tlogEntry.inclusionProof = {
        logIndex: Number(entry.inclusionProof.logIndex),
        treeSize: Number(entry.inclusionProof.treeSize),
        rootHash: entry.inclusionProof.rootHash.toString('hex'),
        hashes: entry.inclusionProof.hashes.map((h) => h.toString('hex')),
        checkpoint: entry.inclusionProof.checkpoint?.envelope ?? '',
      };
    }
  }
  return material;
}

function derToPem(der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Verifies one stored DSSE signature (an `.att` layer or a bundle) the way cosign does: see verifySigned.
 */
export function verifySignatureMaterial(
  material: SignatureMaterial,
  options: SigstoreVerifyOptions,
): Promise<VerifiedSignature> {
  const content: Bundle['content'] = {
    $case: 'dsseEnvelope',
    dsseEnvelope: envelopeFromJSON(material.envelope),
  };
  return verifySigned(material, content, undefined, options);
}

/**
 * Verifies one `.sig` image signature the way `cosign verify` does: see verifySigned. The Rekor entry, when
 * checked, is the hashedrekord of sha256(payload) that `cosign sign` logs.
 */
export function verifyPayloadSignature(
  material: PayloadSignatureMaterial,
  options: SigstoreVerifyOptions,
): Promise<VerifiedSignature> {
  const content: Bundle['content'] = {
    $case: 'messageSignature',
    messageSignature: {
      messageDigest: {
        algorithm: HashAlgorithm.SHA2_256,
        digest: createHash('sha256').update(material.payload).digest(),
      },
      signature: material.signature,
    },
  };
  return verifySigned(material, content, material.payload, options);
}

/**
 * The checks shared by every layout, with @sigstore/verify doing the cryptography: the signature with
 * `--key` or the Fulcio certificate (chained to the trusted root, SCT checked when the root lists CT logs),
 * the certificate identity against the policy, and unless `--insecure-ignore-tlog` the Rekor entry (signed
 * entry timestamp or inclusion proof, body matching the signature and payload, the verifier being this
 * certificate or key, and for the `.att` layout the envelope hash of the stored bytes). `artifact`: the
 * signed bytes of a message signature.
 */
async function verifySigned(
  material: Pick<SignatureMaterial, 'source' | 'certificatePem' | 'tlogEntry' | 'envelopeJson'>,
  content: Bundle['content'],
  artifact: Buffer | undefined,
  options: SigstoreVerifyOptions,
): Promise<VerifiedSignature> {
  const { source } = material;
  const keyless = options.publicKeyPem === undefined;
  if (keyless && !material.certificatePem) {
    throw new AttestError(
      'VERIFY_FAILED',
      `${source} carries no certificate, so it cannot be verified keyless`,
      {
        hint: 'it was signed with a key: pass --key',
      },
    );
  }
  const entry = options.ignoreTlog ? undefined : material.tlogEntry;
  if (!options.ignoreTlog && !entry) {
    throw new AttestError(
      'VERIFY_FAILED',
      `${source} has no transparency-log entry (${REKOR_BUNDLE_ANNOTATION})`,
      {
        hint: 'it was stored without --transparency; verify with --insecure-ignore-tlog to accept that',
      },
    );
  }
  const root = keyless || entry ? await options.trustedRoot() : emptyTrustedRoot();
  const keyObject = options.publicKeyPem ? createPublicKey(options.publicKeyPem) : undefined;
  const trust = toTrustMaterial(root, () => {
    if (!keyObject) throw new Error('no public key');
    return { publicKey: keyObject, validFor: () => true };
  });
  const leaf = material.certificatePem ? X509Certificate.parse(material.certificatePem) : undefined;
  const bundle: Bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    content,
    verificationMaterial: {
      content:
        keyless && leaf
          ? { $case: 'certificate', certificate: { rawBytes: leaf.root.toDER() } }
          : { $case: 'publicKey', publicKey: { hint: '--key' } },
      tlogEntries: entry ? [toTransparencyLogEntry(entry)] : [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
  };
  const entity = toSignedEntity(bundle, artifact);
  let identity: CertificateIdentity | undefined;
  try {
    if (keyless && leaf && !entry) {
      // No log entry means no trusted signing time: like cosign, the certificate must be valid now.
      identity = verifyCertificateNow(leaf, trust, entity.signature.verifySignature.bind(entity.signature));
    } else {
      const verifier = new Verifier(trust, {
        tlogThreshold: entry ? 1 : 0,
        timestampThreshold: entry ? 1 : 0,
        ctlogThreshold: keyless && trust.ctlogs.length > 0 ? 1 : 0,
      });
      verifier.verify(entity);
      if (leaf) identity = certificateIdentity(leaf);
    }
  } catch (error) {
    throw verificationFailure(error, source, keyless);
  }
  if (entry) {
    const signerDer =
      leaf && keyless ? leaf.root.toDER() : (keyObject?.export({ format: 'der', type: 'spki' }) as Buffer);
    checkEntryMatchesLayer(entry, { envelopeJson: material.envelopeJson, signerDer }, source);
  }
  if (keyless && identity) checkIdentity(identity, options.identity, source);
  const verified: VerifiedSignature = { kind: keyless ? 'keyless' : 'key' };
  if (identity) verified.identity = identity;
  if (entry) verified.tlog = { logIndex: entry.logIndex, integratedTime: entry.integratedTime };
  return verified;
}

function verifyCertificateNow(
  leaf: X509Certificate,
  trust: TrustMaterial,
  verifySignature: (key: ReturnType<typeof crypto.createPublicKey>) => boolean,
): CertificateIdentity {
  const path = verifyCertificateChain(new Date(), leaf, trust.certificateAuthorities);
  const [certificate, issuer] = path;
  if (certificate && issuer && trust.ctlogs.length > 0) {
    const scts = verifySCTs(certificate, issuer, trust.ctlogs);
    if (scts.length === 0)
      throw Object.assign(new Error('expected 1 SCT, got 0'), { code: 'CERTIFICATE_ERROR' });
  }
  if (!verifySignature(crypto.createPublicKey(leaf.publicKey))) {
    throw Object.assign(new Error('signature verification failed'), { code: 'SIGNATURE_ERROR' });
  }
  return certificateIdentity(leaf);
}

const HINTS: Record<string, string> = {
  SIGNATURE_ERROR: 'the envelope was not signed by this key/certificate; check --key',
  CERTIFICATE_ERROR:
    'the certificate does not chain to a Fulcio CA in the trusted root at the signing time; pass --trusted-root for the Fulcio that issued it',
  TLOG_INCLUSION_PROMISE_ERROR:
    "the Rekor entry's signed timestamp does not verify with the trusted root's Rekor keys; pass --trusted-root for the Rekor the signer used",
  TLOG_INCLUSION_PROOF_ERROR:
    'the Rekor inclusion proof does not verify; pass --trusted-root for the Rekor the signer used',
  TLOG_BODY_ERROR: 'the Rekor entry is for a different signature or payload than the one stored',
  TIMESTAMP_ERROR: 'no trusted signing time: the transparency-log entry is missing or unverifiable',
};

function verificationFailure(error: unknown, source: string, keyless: boolean): AttestError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const hint =
    (typeof code === 'string' ? HINTS[code] : undefined) ??
    (keyless ? 'check --trusted-root and the certificate flags' : 'check --key and --trusted-root');
  return new AttestError('VERIFY_FAILED', `${source}: ${message}`, { cause: error, hint });
}
