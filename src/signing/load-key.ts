import type { KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AttestError } from '../errors.js';
import type { SecretSource } from '../kube/secrets.js';
import { log, redact } from '../log.js';
import { decryptCosignKey, isCosignKeyType } from './cosign-key.js';
import { KeySigner } from './key-signer.js';
import { decodePem, privateKeyFromPem, privateKeyFromPkcs8 } from './pem-key.js';

export interface LoadKeyOptions {
  /** `--key`: a key file, a directory holding cosign.key/x509.pem, or k8s://NS/SECRET. */
  key: string;
  /** `--key-password-file`. */
  passwordFile?: string | undefined;
  /** Where COSIGN_PASSWORD is read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Needed only for k8s:// keys. */
  secrets?: SecretSource | undefined;
}

/** Chains' signing-secrets entries. x509.pem wins over cosign.key, as in Chains' x509 signer. */
const X509_PEM = 'x509.pem';
const COSIGN_KEY = 'cosign.key';
const COSIGN_PASSWORD = 'cosign.password';

/** Key material found at `--key`, and how to name each entry in messages. */
interface KeyMaterial {
  entries: Record<string, Uint8Array>;
  describe(entry: string): string;
}

const K8S_PREFIX = 'k8s://';

/** Resolves `--key` to a signer: reads the key, finds its password, decrypts, checks the key type. */
export async function loadKeySigner(options: LoadKeyOptions): Promise<KeySigner> {
  const material = await readMaterial(options);
  const entry = material.entries[X509_PEM] ? X509_PEM : COSIGN_KEY;
  // readMaterial guarantees one of the two entries.
  const keyBytes = material.entries[entry]!;
  const source = material.describe(entry);
  const block = decodePem(Buffer.from(keyBytes).toString('utf8'), source);
  let privateKey: KeyObject;
  if (isCosignKeyType(block.type)) {
    const password = await findPassword(options, material);
    privateKey = privateKeyFromPkcs8(await decryptWithCandidates(block, password, source), source);
  } else {
    privateKey = privateKeyFromPem(block, source);
  }
  const signer = new KeySigner(privateKey, source);
  log.debug(`signing key: ${signer.algorithm} from ${source}`);
  return signer;
}

async function readMaterial(options: LoadKeyOptions): Promise<KeyMaterial> {
  const ref = options.key;
  if (ref.startsWith(K8S_PREFIX)) return readSecretMaterial(ref, options.secrets);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(ref);
  } catch {
    throw new AttestError('NOT_FOUND', `signing key ${ref} does not exist`, {
      hint: 'give --key a cosign.key or PEM file, a directory holding cosign.key or x509.pem, or k8s://NS/SECRET',
    });
  }
  if (!info.isDirectory()) {
    const bytes = await readFile(ref);
    // A single file is whichever kind of key it holds; the PEM label decides below.
    const pem = bytes.toString('utf8');
    const name = /-----BEGIN ENCRYPTED (SIGSTORE|COSIGN) PRIVATE KEY-----/.test(pem) ? COSIGN_KEY : X509_PEM;
    return {
      entries: { [name]: bytes },
      describe: () => (name === COSIGN_KEY ? `cosign key at ${ref}` : `key file ${ref}`),
    };
  }
  const names = new Set(await readdir(ref));
  const entries: Record<string, Uint8Array> = {};
  for (const name of [X509_PEM, COSIGN_KEY, COSIGN_PASSWORD]) {
    // Mounted Secrets expose keys as files; an empty x509.pem means "not set", as in Chains.
    if (names.has(name)) {
      const bytes = await readFile(join(ref, name));
      if (bytes.length > 0 || name === COSIGN_PASSWORD) entries[name] = bytes;
    }
  }
  if (!entries[X509_PEM] && !entries[COSIGN_KEY]) {
    throw new AttestError('KEY_INVALID', `directory ${ref} holds neither ${COSIGN_KEY} nor ${X509_PEM}`, {
      hint: 'mount the signing secret there (cosign generate-key-pair k8s://NS/NAME creates one) or point --key at the key file',
    });
  }
  return { entries, describe: (entry) => `${entry} at ${join(ref, entry)}` };
}

async function readSecretMaterial(ref: string, secrets: SecretSource | undefined): Promise<KeyMaterial> {
  const match = /^k8s:\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(ref);
  const namespace = match?.[1];
  const name = match?.[3];
  if (!namespace || !name) {
    throw new AttestError('INVALID_ARGUMENT', `--key ${ref} is not k8s://NAMESPACE/SECRET`, {
      hint: 'for example k8s://tekton-chains/signing-secrets',
    });
  }
  if (!secrets) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      `--key ${ref} needs the Kubernetes API, which this command does not use`,
      {
        hint: 'mount the secret as a workspace and pass its directory to --key instead',
      },
    );
  }
  const data = await secrets.readSecret(namespace, name);
  const entries: Record<string, Uint8Array> = {};
  for (const key of [X509_PEM, COSIGN_KEY, COSIGN_PASSWORD]) {
    const value = data[key];
    if (value && (value.length > 0 || key === COSIGN_PASSWORD)) entries[key] = value;
  }
  if (!entries[X509_PEM] && !entries[COSIGN_KEY]) {
    throw new AttestError(
      'KEY_INVALID',
      `secret ${namespace}/${name} has neither ${COSIGN_KEY} nor ${X509_PEM}`,
      {
        hint: `create it with: cosign generate-key-pair k8s://${namespace}/${name}`,
      },
    );
  }
  return { entries, describe: (entry) => `${entry} in secret ${namespace}/${name}` };
}

interface Password {
  bytes: Uint8Array;
  origin: string;
}

/** `--key-password-file`, then COSIGN_PASSWORD, then the secret's/directory's cosign.password, else empty. */
async function findPassword(options: LoadKeyOptions, material: KeyMaterial): Promise<Password> {
  let password: Password = { bytes: new Uint8Array(), origin: 'nowhere (an empty password)' };
  if (options.passwordFile) {
    let bytes: Buffer;
    try {
      bytes = await readFile(options.passwordFile);
    } catch {
      throw new AttestError('NOT_FOUND', `key password file ${options.passwordFile} cannot be read`, {
        hint: 'check the --key-password-file path (a mounted secret file)',
      });
    }
    password = { bytes, origin: `--key-password-file ${options.passwordFile}` };
  } else if ((options.env ?? process.env).COSIGN_PASSWORD !== undefined) {
    const value = (options.env ?? process.env).COSIGN_PASSWORD ?? '';
    password = { bytes: Buffer.from(value, 'utf8'), origin: 'COSIGN_PASSWORD' };
  } else if (material.entries[COSIGN_PASSWORD]) {
    password = { bytes: material.entries[COSIGN_PASSWORD], origin: material.describe(COSIGN_PASSWORD) };
  }
  redact(Buffer.from(password.bytes).toString('utf8'));
  return password;
}

/**
 * Tries the password as given, then without one trailing newline: `echo pw > file` and
 * `kubectl create secret --from-file` both add one that cosign would not have used.
 */
async function decryptWithCandidates(
  block: Parameters<typeof decryptCosignKey>[0],
  password: Password,
  source: string,
): Promise<Uint8Array> {
  try {
    return await decryptCosignKey(block, password.bytes, source, password.origin);
  } catch (error) {
    const text = Buffer.from(password.bytes).toString('utf8');
    const trimmed = text.replace(/\r?\n$/, '');
    if (trimmed === text || !(error instanceof AttestError) || error.code !== 'KEY_PASSWORD') throw error;
    return decryptCosignKey(block, Buffer.from(trimmed, 'utf8'), source, password.origin);
  }
}
