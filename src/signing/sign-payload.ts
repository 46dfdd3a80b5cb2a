import { createEnvelope, envelopePayload, pae, serializeEnvelope } from './dsse.js';
import { verifySignature } from './key-signer.js';
import { publicKeyFromPem } from './pem-key.js';
import type { Envelope, SignedBlob, SignedEnvelope, Signer } from './types.js';

/** What gets signed: the exact bytes, and what they are (the DSSE payloadType). Built in provenance/. */
export interface SignablePayload {
  body: Uint8Array;
  type: string;
}

/** Signs the payload as a one-signature DSSE envelope; `envelopeJson` is what backends store and Rekor logs. */
export async function signEnvelope(payload: SignablePayload, signer: Signer): Promise<SignedEnvelope> {
  const signature = await signer.sign(pae(payload.type, payload.body));
  const envelope = createEnvelope(payload.body, signature, payload.type);
  return {
    payload: payload.body,
    envelope,
    envelopeJson: serializeEnvelope(envelope),
    publicKeyPem: signer.publicKeyPem(),
    ...signerCertificates(signer),
  };
}

/** Signs the bytes themselves (a detached signature, as cosign's `.sig` layer carries over simple signing). */
export async function signBlob(body: Uint8Array, signer: Signer): Promise<SignedBlob> {
  const signature = Buffer.from(await signer.sign(body)).toString('base64');
  return { payload: body, signature, publicKeyPem: signer.publicKeyPem(), ...signerCertificates(signer) };
}

function signerCertificates(signer: Signer): { certificatePem?: string; chainPem?: string } {
  const certificatePem = signer.certificatePem?.();
  const chainPem = signer.chainPem?.();
  return { ...(certificatePem ? { certificatePem } : {}), ...(chainPem ? { chainPem } : {}) };
}

/** True when some signature of the envelope verifies over its PAE with the given public key. */
export function verifyEnvelope(envelope: Envelope, publicKeyPem: string): boolean {
  const key = publicKeyFromPem(publicKeyPem, 'the public key');
  const data = pae(envelope.payloadType, envelopePayload(envelope));
  return envelope.signatures.some((s) => verifySignature(key, data, Buffer.from(s.sig, 'base64')));
}

/**
 * True when a stored envelope holds `payload` signed by the key. Signatures are randomised, so a re-run
 * signs different bytes: this is how a re-run recognises what is already stored.
 */
export function holdsSamePayload(stored: Envelope, payload: Uint8Array, publicKeyPem: string): boolean {
  return stored.payload === Buffer.from(payload).toString('base64') && verifyEnvelope(stored, publicKeyPem);
}

/**
 * True when `signature` (base64, as a `.sig` layer or Chains' tekton-format annotation holds it) is a
 * signature of `payload` by the key: how a re-run recognises a stored detached signature.
 */
export function holdsSameBlob(signature: string, payload: Uint8Array, publicKeyPem: string): boolean {
  const key = publicKeyFromPem(publicKeyPem, 'the public key');
  return verifySignature(key, payload, Buffer.from(signature, 'base64'));
}
