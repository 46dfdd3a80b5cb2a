import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { AttestError } from '../errors.js';

/** A PEM block: its label (`PRIVATE KEY`, `ENCRYPTED SIGSTORE PRIVATE KEY`, ...) and its DER body. */
export interface PemBlock {
  type: string;
  der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * The key block of `text`: the first `... PRIVATE KEY` block, else the first block (openssl may put
 * `EC PARAMETERS` before the key). `source` names the file or secret in errors.
 */
export function decodePem(text: string, source: string): PemBlock {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  const match = blocks.find((b) => b[1]?.endsWith('PRIVATE KEY')) ?? blocks[0];
  const body = match?.[2]?.replace(/\s+/g, '');
  if (!match?.[1] || !body || !/^[A-Za-z0-9+/]+=*$/.test(body)) {
    throw new AttestError('KEY_INVALID', `${source} is not a PEM key`, {
      hint: 'expected -----BEGIN ... PRIVATE KEY----- (a cosign.key, or a PKCS#8 PEM such as x509.pem)',
    });
  }
  return { type: match[1], der: Buffer.from(body, 'base64') };
}

export function encodePem(type: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** Unencrypted private-key PEM labels Node parses directly (PKCS#8, SEC1 EC, PKCS#1 RSA). */
const PLAIN_PRIVATE_KEY_TYPES = ['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'] as const;

const MIN_RSA_BITS = 2048;

/**
 * Checks a private key is one cosign and Chains sign with and this tool signs the same way: ECDSA P-256,
 * RSA >= 2048 bits (PKCS#1 v1.5), Ed25519. Other curves are refused because cosign verifies ECDSA keys
 * with a curve-dependent hash on some versions and SHA-256 on others.
 */
export function assertSupportedKey(key: KeyObject, source: string): void {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec' && details.namedCurve === 'prime256v1') return;
  if (type === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS) return;
  if (type === 'ed25519') return;
  const what =
    type === 'ec'
      ? `ECDSA ${details.namedCurve}`
      : type === 'rsa'
        ? `RSA ${details.modulusLength} bits`
        : (type ?? 'unknown');
  throw new AttestError('KEY_UNSUPPORTED', `${source} holds an unsupported key type (${what})`, {
    hint: 'use an ECDSA P-256 key (tekton-attest keygen or cosign generate-key-pair), RSA >= 2048 bits, or Ed25519',
  });
}

/** Parses PKCS#8 DER (what a cosign key decrypts to) into a supported private key. */
export function privateKeyFromPkcs8(der: Uint8Array, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch {
    throw new AttestError('KEY_INVALID', `${source} does not contain a PKCS#8 private key`, {
      hint: 'the file may be truncated or not a key; regenerate it with tekton-attest keygen',
    });
  }
  assertSupportedKey(key, source);
  return key;
}

/** Parses an unencrypted private-key PEM block (Chains' x509.pem, openssl output). */
export function privateKeyFromPem(block: PemBlock, source: string): KeyObject {
  if (!(PLAIN_PRIVATE_KEY_TYPES as readonly string[]).includes(block.type)) {
    throw new AttestError('KEY_UNSUPPORTED', `${source} is a PEM "${block.type}", not a private key format`, {
      hint:
        block.type === 'ENCRYPTED PRIVATE KEY'
          ? 'password-protected PKCS#8 is not supported: decrypt it (openssl pkcs8) or import it with cosign import-key-pair'
          : block.type === 'PUBLIC KEY'
            ? 'that is the public key (cosign.pub); --key needs the private key (cosign.key)'
            : 'give a cosign.key, or an unencrypted PKCS#8 "PRIVATE KEY" PEM',
    });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: encodePem(block.type, block.der), format: 'pem' });
  } catch {
    throw new AttestError('KEY_INVALID', `${source} holds a malformed ${block.type}`, {
      hint: 'the PEM body does not parse as a key; check the file is complete',
    });
  }
  assertSupportedKey(key, source);
  return key;
}

/** SPKI `PUBLIC KEY` PEM of a private or public key, as cosign writes cosign.pub. */
export function publicKeyPem(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

/** Parses a `PUBLIC KEY` PEM (cosign.pub). */
export function publicKeyFromPem(pem: string, source: string): KeyObject {
  try {
    return createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new AttestError('KEY_INVALID', `${source} is not a PEM public key`, {
      hint: 'expected -----BEGIN PUBLIC KEY----- (cosign.pub)',
    });
  }
}
