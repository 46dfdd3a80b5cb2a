import { serializeStatement } from '../provenance/index.js';
import type { Statement } from '../provenance/statement.js';
import { createEnvelope, envelopePayload, pae, serializeEnvelope } from './dsse.js';
import { verifySignature } from './key-signer.js';
import { publicKeyFromPem } from './pem-key.js';
import { type Envelope, IN_TOTO_PAYLOAD_TYPE, type SignedAttestation, type Signer } from './types.js';

/**
 * Signs the serialized statement as a DSSE envelope. `payload` is the statement's exact bytes (what
 * verifiers decode; default: serializeStatement); `envelopeJson` is what every backend stores.
 */
export async function signStatement(
  statement: Statement,
  signer: Signer,
  payload: Uint8Array = serializeStatement(statement),
): Promise<SignedAttestation> {
  const signature = await signer.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload));
  const envelope = createEnvelope(payload, signature);
  const signed: SignedAttestation = {
    statement,
    payload,
    envelope,
    envelopeJson: serializeEnvelope(envelope),
    publicKeyPem: signer.publicKeyPem(),
  };
  const certificatePem = signer.certificatePem?.();
  const chainPem = signer.chainPem?.();
  if (certificatePem) signed.certificatePem = certificatePem;
  if (chainPem) signed.chainPem = chainPem;
  return signed;
}

/** True when some signature of the envelope verifies over its PAE with the given public key. */
export function verifyEnvelope(envelope: Envelope, publicKeyPem: string): boolean {
  const key = publicKeyFromPem(publicKeyPem, 'the public key');
  const data = pae(envelope.payloadType, envelopePayload(envelope));
  return envelope.signatures.some((s) => verifySignature(key, data, Buffer.from(s.sig, 'base64')));
}

/**
 * True when a stored envelope holds the same statement signed by the same key. Signatures are randomised, so
 * a re-run signs different bytes: this is how every backend recognises what it already stored.
 */
export function holdsSameAttestation(stored: Envelope, attestation: SignedAttestation): boolean {
  return stored.payload === attestation.envelope.payload && verifyEnvelope(stored, attestation.publicKeyPem);
}
