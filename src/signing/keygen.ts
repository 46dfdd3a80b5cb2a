import { generateKeyPairSync } from 'node:crypto';
import { link, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AttestError } from '../errors.js';
import { encryptCosignKey } from './cosign-key.js';
import { publicKeyPem } from './pem-key.js';

export interface GeneratedKeyPair {
  /** `ENCRYPTED SIGSTORE PRIVATE KEY` PEM (scrypt N=65536, r=8, p=1 + NaCl secretbox), as cosign writes. */
  privateKeyPem: string;
  /** SPKI `PUBLIC KEY` PEM. */
  publicKeyPem: string;
}

/** An ECDSA P-256 pair, the private key encrypted like `cosign generate-key-pair` does. */
export async function generateCosignKeyPair(password: Uint8Array): Promise<GeneratedKeyPair> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return { privateKeyPem: await encryptCosignKey(pkcs8, password), publicKeyPem: publicKeyPem(privateKey) };
}

export interface WrittenKeyPair {
  keyPath: string;
  publicKeyPath: string;
}

export const PRIVATE_KEY_FILE = 'cosign.key';
export const PUBLIC_KEY_FILE = 'cosign.pub';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Generates a pair and writes `cosign.key` (mode 0600) and `cosign.pub` into `dir`. Refuses to replace
 * existing files unless `force`; either both files are written or neither is.
 */
export async function writeCosignKeyPair(
  dir: string,
  password: Uint8Array,
  options: { force?: boolean } = {},
): Promise<WrittenKeyPair> {
  const keyPath = join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  if (!options.force) {
    for (const path of [keyPath, publicKeyPath]) {
      if (await exists(path)) {
        throw new AttestError('INVALID_ARGUMENT', `${path} already exists`, {
          hint: 'pass --force to replace the key pair, or choose another --output-dir',
        });
      }
    }
  }
  const pair = await generateCosignKeyPair(password);
  await mkdir(dir, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const tmpKey = join(dir, `.${PRIVATE_KEY_FILE}.${stamp}.tmp`);
  const tmpPub = join(dir, `.${PUBLIC_KEY_FILE}.${stamp}.tmp`);
  try {
    await writeFile(tmpKey, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(tmpPub, pair.publicKeyPem, { mode: 0o644, flag: 'wx' });
    if (options.force) {
      await rename(tmpKey, keyPath);
      await rename(tmpPub, publicKeyPath);
    } else {
      // link() fails if the target appeared meanwhile: never clobber a key written by someone else.
      await link(tmpKey, keyPath);
      try {
        await link(tmpPub, publicKeyPath);
      } catch (error) {
        await rm(keyPath, { force: true });
        throw error;
      }
    }
  } catch (error) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      `cannot write the key pair into ${dir}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'check the directory is writable and cosign.key/cosign.pub do not exist (or pass --force)',
      },
    );
  } finally {
    await rm(tmpKey, { force: true });
    await rm(tmpPub, { force: true });
  }
  return { keyPath, publicKeyPath };
}
