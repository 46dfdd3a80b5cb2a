import { type KeyObject, sign, verify } from 'node:crypto';
import { AttestError } from '../errors.js';
import { assertSupportedKey, publicKeyPem } from './pem-key.js';
import type { Signer } from './types.js';

/**
 * The digest a key signs with, as cosign and Chains sign: ECDSA and RSA (PKCS#1 v1.5) over SHA-256 of the
 * data (ECDSA signatures ASN.1 DER), Ed25519 over the data itself (`null` = no pre-hash).
 */
function digestFor(key: KeyObject): 'sha256' | null {
  return key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
}

/** A Signer over a private key held in memory (cosign.key, x509.pem). */
export class KeySigner implements Signer {
  readonly kind = 'key' as const;
  readonly #key: KeyObject;
  readonly #publicKeyPem: string;
  /** Where the key came from (a path or k8s://NS/NAME), for messages; never the key itself. */
  readonly source: string;

  constructor(privateKey: KeyObject, source: string) {
    assertSupportedKey(privateKey, source);
    this.#key = privateKey;
    this.#publicKeyPem = publicKeyPem(privateKey);
    this.source = source;
  }

  /** ECDSA P-256, RSA or Ed25519: what the key is, for summaries. */
  get algorithm(): string {
    const type = this.#key.asymmetricKeyType;
    return type === 'ec' ? 'ECDSA P-256' : type === 'rsa' ? 'RSA' : 'Ed25519';
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    try {
      return sign(digestFor(this.#key), data, { key: this.#key, dsaEncoding: 'der' });
    } catch (error) {
      throw new AttestError('SIGNING_FAILED', `signing with the key from ${this.source} failed`, {
        cause: error,
        hint: 'check the key is a valid ECDSA P-256, RSA or Ed25519 private key',
      });
    }
  }

  publicKeyPem(): string {
    return this.#publicKeyPem;
  }
}

/** Checks `signature` over `data` with a public key, using the same digest rules as KeySigner. */
export function verifySignature(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(digestFor(publicKey), data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
