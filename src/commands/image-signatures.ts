import { cosignSignStatement, type SignedImage, simpleSigningPayload } from '../provenance/payloads.js';
import type { Statement } from '../provenance/statement.js';
import { signBlob } from '../signing/sign-payload.js';
import { logEnvelope, logPayloadSignature } from '../signing/transparency.js';
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
import { signAttestation } from './sign.js';

/**
 * `--sign-images`: each image subject's signature, made before it is stored. For every target the backend
 * is first asked (read-only) whether an equivalent signature is stored already; only when not is the
 * payload signed and, with `rekorUrl`, logged. A re-run therefore signs, logs and writes nothing new, in
 * either encoding. A failure is kept for its target (whose backend then reports it and writes nothing
 * there); the other targets and backends go on.
 */

/** Stores the attestation in an oci backend; with `signer` (`--sign-images`), the image signatures too. */
export async function storeInOci(
  backend: OciTagStorage | OciReferrerStorage,
  attestation: SignedAttestation,
  signer: Signer | undefined,
  rekorUrl?: string,
): Promise<StorageOutcome> {
  const { statement } = attestation;
  if (!signer) return backend.store(attestation);
  if (backend.encoding === 'tag') {
    return backend.store(attestation, await tagImageSignatures(backend, statement, signer, rekorUrl));
  }
  return backend.store(attestation, await bundleImageSignatures(backend, statement, signer, rekorUrl));
}

/** The tag layout's `.sig`: cosign's simple-signing payload, signed as is, logged as a hashedrekord. */
export function tagImageSignatures(
  backend: OciBackend<SignedBlob>,
  statement: Statement,
  signer: Signer,
  rekorUrl: string | undefined,
): Promise<ImageSignatures<SignedBlob>> {
  return prepareEach(backend, statement, async (target): Promise<PreparedSignature<SignedBlob>> => {
    const { body } = simpleSigningPayload(imageOf(target));
    const stored = await backend.findImageSignature(target, query(body, signer, rekorUrl));
    if (stored) return { stored };
    const signed = await signBlob(body, signer);
    if (!rekorUrl) return { signed };
    const verifierPem = signed.certificatePem ?? signed.publicKeyPem;
    const tlogEntry = await logPayloadSignature(
      { payload: body, signature: signed.signature, verifierPem },
      rekorUrl,
    );
    return { signed: { ...signed, tlogEntry } };
  });
}

/** The bundle layout's image signature: cosign v3's `cosign/sign/v1` statement, as a DSSE envelope. */
export function bundleImageSignatures(
  backend: OciBackend<SignedAttestation>,
  statement: Statement,
  signer: Signer,
  rekorUrl: string | undefined,
): Promise<ImageSignatures<SignedAttestation>> {
  return prepareEach(backend, statement, async (target): Promise<PreparedSignature<SignedAttestation>> => {
    const signature = cosignSignStatement(imageOf(target));
    const stored = await backend.findImageSignature(target, query(signature.payload.body, signer, rekorUrl));
    if (stored) return { stored };
    const signed = await signAttestation(signature.statement, signer, signature.payload.body);
    return { signed: rekorUrl ? await logEnvelope(signed, rekorUrl) : signed };
  });
}

async function prepareEach<T>(
  backend: OciBackend<T>,
  statement: Statement,
  prepare: (target: OciTarget) => Promise<PreparedSignature<T>>,
): Promise<ImageSignatures<T>> {
  const prepared = new Map<string, PreparedSignature<T>>();
  await Promise.all(
    backend.targets(statement).map(async (target) => {
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
