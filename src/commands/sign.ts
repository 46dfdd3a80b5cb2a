import { serializeStatement } from '../provenance/index.js';
import { statementPayload } from '../provenance/payloads.js';
import type { Statement } from '../provenance/statement.js';
import { signEnvelope } from '../signing/sign-payload.js';
import type { Signer } from '../signing/types.js';
import type { SignedAttestation } from '../storage/backend.js';

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
