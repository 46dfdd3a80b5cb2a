import { AttestError, reasonOf } from '../errors.js';
import type { RegistryClient } from '../oci/client.js';
import { parseReference } from '../oci/reference.js';
import type { RepositoryRef } from '../oci/types.js';
import type { Statement } from '../provenance/statement.js';
import { envelopePayload } from '../signing/dsse.js';
import { verifySignature } from '../signing/key-signer.js';
import { publicKeyFromPem } from '../signing/pem-key.js';
import { type Layout, readBundles, readImageSignatures, readTagAttestations } from './reader.js';
import {
  type PayloadSignatureMaterial,
  type SigstoreVerifyOptions,
  type VerifiedSignature,
  verifyPayloadSignature,
  verifySignatureMaterial,
} from './sigstore.js';
import { checkStatement } from './statement.js';

/** What cosign v3 signs, as an in-toto statement, when it signs an image in the bundle format. */
const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export interface VerifyImageRequest {
  client: RegistryClient;
  /** The image: `repo:tag` or `repo@sha256:...`. */
  image: string;
  /** `--oci-repository`: where signatures were stored instead of next to the image. */
  storeRepository?: RepositoryRef;
  /** Predicate URI to require (already resolved from cosign's aliases); undefined = any. */
  predicateType?: string;
  sigstore: SigstoreVerifyOptions;
}

export interface Verdict {
  source: string;
  layout: Layout | 'signature';
  ok: boolean;
  reason?: string;
  statement?: Statement;
  signer?: VerifiedSignature;
}

export interface VerifyReport {
  /** `registry/repository@sha256:...` */
  image: string;
  digest: string;
  verdicts: Verdict[];
}

async function resolveImage(request: VerifyImageRequest) {
  const ref = parseReference(request.image);
  const repo: RepositoryRef = { registry: ref.registry, repository: ref.repository };
  const { digest } = await request.client.resolveDigest(repo, ref.digest ?? ref.tag ?? 'latest');
  if (ref.digest && digest !== ref.digest) {
    throw new AttestError('VERIFY_FAILED', `${request.image} resolves to ${digest}`, {
      hint: 'the registry answered a different digest than the one named',
    });
  }
  return { repo, digest, store: request.storeRepository ?? repo };
}

/**
 * `verify IMAGE`: every attestation stored for the image (the `.att` layers and sigstore bundle referrers),
 * each checked on its own: signature (key or keyless, Rekor entry unless ignored), strict statement, subject
 * digest, predicate type.
 */
export async function verifyAttestations(request: VerifyImageRequest): Promise<VerifyReport> {
  const { repo, digest, store } = await resolveImage(request);
  const [tagged, bundled] = await Promise.all([
    readTagAttestations(request.client, store, digest),
    readBundles(request.client, store, digest),
  ]);
  const stored = [...tagged, ...bundled.filter((b) => b.annotatedPredicateType !== COSIGN_SIGN_PREDICATE)];
  const verdicts = await Promise.all(
    stored.map(async (item): Promise<Verdict> => {
      const base = { source: item.source, layout: item.layout };
      if (!item.material) return { ...base, ok: false, reason: item.error ?? 'unreadable' };
      try {
        const signer = await verifySignatureMaterial(item.material, request.sigstore);
        const statement = checkStatement(
          envelopePayload(item.material.envelope),
          digest,
          request.predicateType,
          item.source,
        );
        if (item.annotatedPredicateType && item.annotatedPredicateType !== statement.predicateType) {
          throw new AttestError(
            'VERIFY_FAILED',
            `${item.source}: annotated predicate type differs from the statement's`,
          );
        }
        return { ...base, ok: true, statement, signer };
      } catch (error) {
        return { ...base, ok: false, reason: reasonWithout(error, item.source) };
      }
    }),
  );
  return { image: `${repo.registry}/${repo.repository}@${digest}`, digest, verdicts };
}

/**
 * `verify --signature IMAGE`: cosign image signatures, `.sig` simple-signing layers and bundle-format
 * signatures (cosign v3 `sign`), each checked like an attestation (key or keyless, Rekor entry unless
 * ignored) and against the image digest.
 */
export async function verifyImageSignatures(request: VerifyImageRequest): Promise<VerifyReport> {
  const { repo, digest, store } = await resolveImage(request);
  const [sigs, bundled] = await Promise.all([
    readImageSignatures(request.client, store, digest),
    readBundles(request.client, store, digest),
  ]);
  const verdicts: Verdict[] = await Promise.all(
    sigs.map(async (sig): Promise<Verdict> => {
      const base = { source: sig.source, layout: 'signature' as const };
      try {
        if (!sig.material) throw new AttestError('VERIFY_FAILED', sig.error ?? 'unreadable');
        const signer = await checkSimpleSigning(sig.material, digest, request.sigstore);
        return { ...base, ok: true, signer };
      } catch (error) {
        return { ...base, ok: false, reason: reasonWithout(error, sig.source) };
      }
    }),
  );
  for (const item of bundled.filter((b) => b.annotatedPredicateType === COSIGN_SIGN_PREDICATE)) {
    const base = { source: item.source, layout: item.layout };
    try {
      if (!item.material) throw new AttestError('VERIFY_FAILED', item.error ?? 'unreadable');
      const signer = await verifySignatureMaterial(item.material, request.sigstore);
      checkStatement(envelopePayload(item.material.envelope), digest, COSIGN_SIGN_PREDICATE, item.source);
      verdicts.push({ ...base, ok: true, signer });
    } catch (error) {
      verdicts.push({ ...base, ok: false, reason: reasonWithout(error, item.source) });
    }
  }
  return { image: `${repo.registry}/${repo.repository}@${digest}`, digest, verdicts };
}

/** The reason, without the source it starts with (the verdict names the source already). */
function reasonWithout(error: unknown, source: string): string {
  const reason = reasonOf(error);
  return reason.startsWith(source) ? reason.slice(source.length).replace(/^:?\s*/, '') : reason;
}

/** A `.sig` layer: its signature (as cosign verifies it), then what the simple-signing payload claims. */
async function checkSimpleSigning(
  sig: PayloadSignatureMaterial,
  digest: string,
  options: SigstoreVerifyOptions,
): Promise<VerifiedSignature> {
  const fail = (why: string, hint?: string) =>
    new AttestError('VERIFY_FAILED', `${sig.source}: ${why}`, hint ? { hint } : {});
  // The plain key check first: its failure is the common one, and this says it best.
  if (
    options.publicKeyPem &&
    !verifySignature(publicKeyFromPem(options.publicKeyPem, '--key'), sig.payload, sig.signature)
  ) {
    throw fail(
      'the signature does not verify with --key',
      "check that --key is the signing key's public half",
    );
  }
  const signer = await verifyPayloadSignature(sig, options);
  let claims: { critical?: { image?: { 'docker-manifest-digest'?: string }; type?: string } };
  try {
    claims = JSON.parse(sig.payload.toString('utf8'));
  } catch {
    throw fail('the payload is not JSON');
  }
  if (claims.critical?.type !== 'cosign container image signature')
    throw fail('the payload is not a cosign signature');
  if (claims.critical.image?.['docker-manifest-digest'] !== digest) {
    throw fail(`the payload signs ${claims.critical.image?.['docker-manifest-digest']}, not ${digest}`);
  }
  return signer;
}
