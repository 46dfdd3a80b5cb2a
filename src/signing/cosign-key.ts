import { randomBytes, scrypt } from 'node:crypto';
import { AttestError } from '../errors.js';
import { encodePem, type PemBlock } from './pem-key.js';

/**
 * cosign's encrypted private keys (go-securesystemslib `encrypted`): the PEM body is JSON holding an
 * scrypt KDF description, a NaCl secretbox nonce and the ciphertext of the PKCS#8 DER key. The old
 * `ENCRYPTED COSIGN PRIVATE KEY` label has the same body; cosign reads both and writes the new one.
 */
export const SIGSTORE_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_KEY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';

export function isCosignKeyType(pemType: string): boolean {
  return pemType === SIGSTORE_KEY_PEM_TYPE || pemType === COSIGN_KEY_PEM_TYPE;
}

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** The parameter sets securesystemslib accepts (legacy, standard, OWASP); anything else is refused. */
const ACCEPTED_PARAMS: readonly ScryptParams[] = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
];
/** What `cosign generate-key-pair` writes today. */
const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 65536, r: 8, p: 1 };

const KEY_BYTES = 32;
const NONCE_BYTES = 24;
const SALT_BYTES = 32;

interface EncryptedBody {
  kdf: { name: string; params: ScryptParams; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

function deriveKey(password: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128*N*r bytes; Node's default maxmem (32 MiB) is below cosign's N=65536, r=8.
  const maxmem = 256 * params.N * params.r;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, { ...params, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function parseBody(block: PemBlock, source: string): EncryptedBody {
  const invalid = (why: string) =>
    new AttestError('KEY_INVALID', `${source} is not a valid cosign key: ${why}`, {
      hint: 'regenerate it with tekton-attest keygen or cosign generate-key-pair',
    });
  let body: EncryptedBody;
  try {
    body = JSON.parse(block.der.toString('utf8')) as EncryptedBody;
  } catch {
    throw invalid('the PEM body is not the expected JSON');
  }
  if (body?.kdf?.name !== 'scrypt') throw invalid(`unknown kdf ${JSON.stringify(body?.kdf?.name)}`);
  if (body.cipher?.name !== 'nacl/secretbox') {
    throw invalid(`unknown cipher ${JSON.stringify(body.cipher?.name)}`);
  }
  const params = body.kdf.params;
  // Refusing unknown parameters stops a tampered key from making us burn unbounded memory and time.
  if (!ACCEPTED_PARAMS.some((a) => a.N === params?.N && a.r === params.r && a.p === params.p)) {
    throw invalid(`unsupported scrypt parameters ${JSON.stringify(params)}`);
  }
  if (typeof body.kdf.salt !== 'string' || typeof body.ciphertext !== 'string') {
    throw invalid('salt or ciphertext missing');
  }
  if (Buffer.from(body.cipher.nonce ?? '', 'base64').length !== NONCE_BYTES) {
    throw invalid('the nonce is not 24 bytes');
  }
  return body;
}

/**
 * Decrypts a cosign key to its PKCS#8 DER. Throws KEY_PASSWORD when the password does not open it
 * (secretbox authentication fails), KEY_INVALID when the body is not a cosign key.
 */
export async function decryptCosignKey(
  block: PemBlock,
  password: Uint8Array,
  source: string,
  passwordOrigin = 'an empty password',
): Promise<Uint8Array> {
  const body = parseBody(block, source);
  const [key, nacl] = await Promise.all([
    deriveKey(password, Buffer.from(body.kdf.salt, 'base64'), body.kdf.params),
    secretbox(),
  ]);
  const opened = nacl.secretbox.open(
    Buffer.from(body.ciphertext, 'base64'),
    Buffer.from(body.cipher.nonce, 'base64'),
    key,
  );
  if (!opened) {
    throw new AttestError('KEY_PASSWORD', `cannot decrypt ${source}: wrong password`, {
      hint: `the password came from ${passwordOrigin}; give the right one with --key-password-file FILE or COSIGN_PASSWORD`,
    });
  }
  return opened;
}

/** Encrypts PKCS#8 DER the way `cosign generate-key-pair` does and returns the PEM. */
export async function encryptCosignKey(
  pkcs8Der: Uint8Array,
  password: Uint8Array,
  pemType: string = SIGSTORE_KEY_PEM_TYPE,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const [key, nacl] = await Promise.all([deriveKey(password, salt, DEFAULT_SCRYPT_PARAMS), secretbox()]);
  const ciphertext = nacl.secretbox(pkcs8Der, nonce, key);
  // Field order as Go's encoding/json writes the securesystemslib struct.
  const body: EncryptedBody = {
    kdf: { name: 'scrypt', params: DEFAULT_SCRYPT_PARAMS, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  return encodePem(pemType, Buffer.from(JSON.stringify(body), 'utf8'));
}

/**
 * tweetnacl's secretbox (XSalsa20-Poly1305, which node:crypto lacks), loaded while scrypt runs: only a cosign
 * key needs it, and `payload` without --sign never does.
 */
async function secretbox(): Promise<typeof import('tweetnacl')> {
  return (await import('tweetnacl')).default;
}
