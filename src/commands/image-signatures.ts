import type { ImageSignatureMode } from '../config/attest.js';
import { AttestError } from '../errors.js';
import { log } from '../log.js';
import { cosignSignStatement, type SignedImage, simpleSigningPayload } from '../provenance/payloads.js';
import type { Subject } from '../provenance/statement.js';
import { signBlob } from '../signing/sign-payload.js';
import { logEnvelope, rawSignaturesLoggable } from '../signing/transparency.js';
import type { SignedBlob, Signer } from '../signing/types.js';
import type { SignedAttestation, StorageOutcome } from '../storage/backend.js';
import type { OciReferrerStorage } from '../storage/oci-referrer.js';
import {
  type ImageSignatures,
  type OciBackend,
  type OciTarget,
  type PreparedSignature,
  targetKey,
} from '../storage/oci-subjects.js';
import type { OciTagStorage } from '../storage/oci-tag.js';
import { logBlob, signAttestation } from './sign.js';

/**
 * Image signatures (Chains' `artifacts.oci`, on by default): one per image the run's TaskRuns built
 * (provenance/signed-images.ts), stored next to the image whatever `--storage` says. For every target the
 * backend is first asked (read-only) whether an equivalent signature is stored already; only when not is
 * the payload signed and, with `rekorUrl`, logged. A re-run therefore signs, logs and writes nothing new, in
 * either encoding. A failure is kept for its target (whose write then reports it and writes nothing
 * there); the other targets go on.
 */

export const IMAGE_SIGNATURES = 'image signatures';

/** `1 image`, `3 images`: for the step and the summary. */
export function imageCount(images: readonly unknown[]): string {
  return images.length === 1 ? '1 image' : `${images.length} images`;
}

/**
 * Which of `images` get signatures, decided before anything is logged: none with `--sign-images=false`.
 * Rekor cannot log an Ed25519 key's `.sig` (signing/transparency.ts): asked for explicitly, that is an
 * error; by default, the run goes on without them and says so (a `skipped` outcome for the summary).
 */
export function imagesToStore(
  mode: ImageSignatureMode,
  images: readonly Subject[],
  signer: Signer,
  rekorUrl: string | undefined,
): { images: readonly Subject[]; skipped?: StorageOutcome } {
  if (mode === 'off' || images.length === 0) return { images: [] };
  if (!rekorUrl || rawSignaturesLoggable(signer)) return { images };
  const reason =
    'an Ed25519 key cannot have image signatures (.sig) logged in Rekor: Rekor checks a signature over their sha256 digest, which a plain Ed25519 signature is not';
  if (mode === 'requested') {
    throw new AttestError('TRANSPARENCY', `--sign-images with --transparency: ${reason}`, {
      hint: 'use an ECDSA P-256 key (tekton-attest keygen, cosign generate-key-pair), RSA or --signer keyless; or pass --sign-images=false or --transparency false. Nothing was logged or written',
    });
  }
  const detail = `skipped for ${imageCount(images)}: ${reason}; use an ECDSA key (tekton-attest keygen) or --signer keyless to sign images, or --sign-images=false to turn them off`;
  log.warn(`image signatures ${detail}`);
  return {
    images: [],
    skipped: { backend: 'oci', artifact: IMAGE_SIGNATURES, ok: true, locations: [], detail },
  };
}

/** Signs (and logs) each image's signature that is not stored yet, then stores them with `backend`. */
export async function storeImageSignatures(
  backend: OciTagStorage | OciReferrerStorage,
  images: readonly Subject[],
  signer: Signer,
  rekorUrl: string | undefined,
): Promise<StorageOutcome> {
  const outcome =
    backend.encoding === 'tag'
      ? await backend.storeImageSignatures(
          images,
          await tagImageSignatures(backend, images, signer, rekorUrl),
        )
      : await backend.storeImageSignatures(
          images,
          await bundleImageSignatures(backend, images, signer, rekorUrl),
        );
  return { ...outcome, artifact: IMAGE_SIGNATURES };
}

/** The tag layout's `.sig`: cosign's simple-signing payload, signed as is, logged as a hashedrekord. */
export function tagImageSignatures(
  backend: OciBackend<SignedBlob>,
  images: readonly Subject[],
  signer: Signer,
  rekorUrl: string | undefined,
): Promise<ImageSignatures<SignedBlob>> {
  return prepareEach(backend, images, async (target): Promise<PreparedSignature<SignedBlob>> => {
    const { body } = simpleSigningPayload(imageOf(target));
    const stored = await backend.findImageSignature(target, query(body, signer, rekorUrl));
    if (stored) return { stored };
    const signed = await signBlob(body, signer);
    return { signed: rekorUrl ? await logBlob(signed, rekorUrl) : signed };
  });
}

/** The bundle layout's image signature: cosign v3's `cosign/sign/v1` statement, as a DSSE envelope. */
export function bundleImageSignatures(
  backend: OciBackend<SignedAttestation>,
  images: readonly Subject[],
  signer: Signer,
  rekorUrl: string | undefined,
): Promise<ImageSignatures<SignedAttestation>> {
  return prepareEach(backend, images, async (target): Promise<PreparedSignature<SignedAttestation>> => {
    const signature = cosignSignStatement(imageOf(target));
    const stored = await backend.findImageSignature(target, query(signature.payload.body, signer, rekorUrl));
    if (stored) return { stored };
    const signed = await signAttestation(signature.statement, signer, signature.payload.body);
    return { signed: rekorUrl ? await logEnvelope(signed, rekorUrl) : signed };
  });
}

async function prepareEach<T>(
  backend: OciBackend<T>,
  images: readonly Subject[],
  prepare: (target: OciTarget) => Promise<PreparedSignature<T>>,
): Promise<ImageSignatures<T>> {
  const prepared = new Map<string, PreparedSignature<T>>();
  await Promise.all(
    backend.targets(images).map(async (target) => {
      prepared.set(targetKey(target), await prepare(target).catch((failed: unknown) => ({ failed })));
    }),
  );
  return prepared;
}

/** The image as its signature names it: its own repository, even when signatures are stored elsewhere. */
function imageOf(target: OciTarget): SignedImage {
  return { repository: `${target.image.registry}/${target.image.repository}`, digest: target.digest };
}

function query(payload: Uint8Array, signer: Signer, rekorUrl: string | undefined) {
  return { payload, publicKeyPem: signer.publicKeyPem(), logged: rekorUrl !== undefined };
}
