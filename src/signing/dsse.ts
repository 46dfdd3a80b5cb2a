import { AttestError } from '../errors.js';
import type { Envelope } from './types.js';

/**
 * DSSE pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(body) SP body`, lengths in
 * decimal bytes. This is what every signer signs, never the raw payload.
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  const header = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([header, payload]);
}

/**
 * One-signature envelope in the shape cosign and Chains store: standard padded base64 and an empty keyid
 * (cosign v3 rejects a keyid that differs from its own key fingerprint).
 */
export function createEnvelope(payload: Uint8Array, signature: Uint8Array, payloadType: string): Envelope {
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: '', sig: Buffer.from(signature).toString('base64') }],
  };
}

/** The envelope's JSON, in the field order cosign writes; these are the bytes stored and logged. */
export function serializeEnvelope(envelope: Envelope): string {
  return JSON.stringify({
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })),
  });
}

/** Parses and shape-checks an envelope read from a file, an annotation or a registry layer. */
export function parseEnvelope(json: string, source: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new AttestError('INVALID_INPUT', `${source} is not JSON: ${(error as Error).message}`, {
      hint: 'expected a DSSE envelope {"payloadType","payload","signatures"}',
    });
  }
  const candidate = value as Partial<Envelope> | null;
  const ok =
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.payloadType === 'string' &&
    typeof candidate.payload === 'string' &&
    Array.isArray(candidate.signatures) &&
    candidate.signatures.every(
      (s) => typeof s === 'object' && s !== null && typeof (s as { sig?: unknown }).sig === 'string',
    );
  if (!ok) {
    throw new AttestError('INVALID_INPUT', `${source} is not a DSSE envelope`, {
      hint: 'expected fields payloadType (string), payload (base64) and signatures[].sig (base64)',
    });
  }
  const envelope = candidate as Envelope;
  return {
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    signatures: envelope.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })),
  };
}

/** The payload bytes the envelope carries. */
export function envelopePayload(envelope: Envelope): Uint8Array {
  return Buffer.from(envelope.payload, 'base64');
}
