import { serializeStatement } from './index.js';
import { STATEMENT_V1, type Statement } from './statement.js';

/**
 * Every payload that gets signed, as bytes plus what they are: the provenance statement, and the two image
 * signature payloads cosign writes (simple signing for the tag layout, a `cosign/sign/v1` statement for
 * sigstore bundles). signing/ signs these without knowing what they say.
 */

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** cosign's simple-signing payload type (also the `.sig` layer's media type). */
export const SIMPLESIGNING_PAYLOAD_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** What cosign v3 signs (as an in-toto statement) when it signs an image in the bundle format. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

/** The same shape as signing's SignablePayload, which signs it without importing provenance/. */
export interface SignablePayload {
  body: Uint8Array;
  type: string;
}

/** An image being signed: `registry/repository` (no tag) and its `sha256:<hex>` digest. */
export interface SignedImage {
  repository: string;
  digest: string;
}

/** The statement's payload; `body` defaults to its canonical serialization. */
export function statementPayload(
  statement: Statement,
  body = serializeStatement(statement),
): SignablePayload {
  return { body, type: IN_TOTO_PAYLOAD_TYPE };
}

/**
 * The simple-signing payload cosign signs for an image, byte for byte as cosign's Go structs marshal it.
 * `docker-reference` is the image's repository even when signatures are stored elsewhere.
 */
export function simpleSigningPayload(image: SignedImage): SignablePayload {
  const body = JSON.stringify({
    critical: {
      identity: { 'docker-reference': image.repository },
      image: { 'docker-manifest-digest': image.digest },
      type: 'cosign container image signature',
    },
    optional: null,
  });
  return { body: Buffer.from(body, 'utf8'), type: SIMPLESIGNING_PAYLOAD_TYPE };
}

/** cosign v3's image signature: an in-toto statement about the digest, predicate `cosign/sign/v1`. */
export function cosignSignStatement(image: SignedImage): { statement: Statement; payload: SignablePayload } {
  const [algorithm = 'sha256', hex = ''] = image.digest.split(':');
  const statement: Statement = {
    _type: STATEMENT_V1,
    subject: [{ name: image.repository, digest: { [algorithm]: hex } }],
    predicateType: COSIGN_SIGN_PREDICATE_TYPE,
    predicate: {},
  };
  // Field order as cosign marshals it (serializeStatement's order too; spelled out as the bytes matter).
  return { statement, payload: statementPayload(statement, Buffer.from(JSON.stringify(statement))) };
}
