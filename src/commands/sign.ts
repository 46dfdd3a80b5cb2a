import { serializeStatement } from '../provenance/index.js';
import { statementPayload } from '../provenance/payloads.js';
import type { Statement } from '../provenance/statement.js';
import { signBlob, signEnvelope } from '../signing/sign-payload.js';
import { logEnvelope, logPayloadSignature } from '../signing/transparency.js';
import type { SignedBlob, Signer } from '../signing/types.js';
import { isAttestation, type SignedArtifact, type SignedAttestation } from '../storage/backend.js';

/**
 * The statement signed as a DSSE envelope, kept beside it for the backends. `bytes` are the statement's
 * exact serialization (what verifiers decode; default: serializeStatement).
 */
export async function signAttestation(
  statement: Statement,
  signer: Signer,
  bytes: Uint8Array = serializeStatement(statement),
): Promise<SignedAttestation> {
  return { statement, ...(await signEnvelope(statementPayload(statement, bytes), signer)) };
}

/**
 * A run's artifact: a statement, signed as DSSE; or the legacy `tekton` format's status bytes, signed as
 * they are (as Chains v0.14 signed them: no envelope).
 */
export function signArtifact(artifact: Statement | Uint8Array, signer: Signer): Promise<SignedArtifact> {
  return artifact instanceof Uint8Array ? signBlob(artifact, signer) : signAttestation(artifact, signer);
}

/**
 * The artifact with its Rekor entry: an attestation as a `dsse` entry, a raw signature (the `tekton` format)
 * as a `hashedrekord` of the payload, as cosign verify-blob looks it up.
 */
export function logArtifact(signed: SignedArtifact, rekorUrl: string): Promise<SignedArtifact> {
  return isAttestation(signed) ? logEnvelope(signed, rekorUrl) : logBlob(signed, rekorUrl);
}

/** A raw signature (an image's `.sig`, the `tekton` format) with its `hashedrekord` entry. */
export async function logBlob(signed: SignedBlob, rekorUrl: string): Promise<SignedBlob> {
  const verifierPem = signed.certificatePem ?? signed.publicKeyPem;
  const tlogEntry = await logPayloadSignature(
    { payload: signed.payload, signature: signed.signature, verifierPem },
    rekorUrl,
  );
  return { ...signed, tlogEntry };
}
