import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttestError } from '../../src/errors.js';
import type { SecretSource } from '../../src/kube/secrets.js';
import { COSIGN_KEY_PEM_TYPE, SIGSTORE_KEY_PEM_TYPE } from '../../src/signing/cosign-key.js';
import { generateCosignKeyPair } from '../../src/signing/keygen.js';
import { loadKeySigner } from '../../src/signing/load-key.js';
import { rejectionOf } from '../harness/attest-error.js';
import { pkcs8Pem, testKeys } from './keys.js';

let dir: string;
let pair: { privateKeyPem: string; publicKeyPem: string };
let emptyPair: { privateKeyPem: string; publicKeyPem: string };
const PASSWORD = 's3cret-pass';
const noEnv = {};

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  return path;
}

/** A Secret store with fixed contents: the SecretSource contract src/kube implements. */
function secretsWith(data: Record<string, Record<string, string>>): SecretSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async readSecret(namespace, name) {
      reads.push(`${namespace}/${name}`);
      const secret = data[`${namespace}/${name}`];
      if (!secret) throw new AttestError('NOT_FOUND', `secret ${namespace}/${name} not found`);
      return Object.fromEntries(Object.entries(secret).map(([k, v]) => [k, Buffer.from(v)]));
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'load-key-'));
  pair = await generateCosignKeyPair(Buffer.from(PASSWORD));
  emptyPair = await generateCosignKeyPair(new Uint8Array());
});

describe('loadKeySigner: cosign keys', () => {
  it('loads a cosign.key file with --key-password-file and exposes the matching public key', async () => {
    const key = await file('f1/cosign.key', pair.privateKeyPem);
    const pw = await file('f1/pw', PASSWORD);
    const signer = await loadKeySigner({ key, passwordFile: pw, env: noEnv });
    expect(signer.publicKeyPem()).toBe(pair.publicKeyPem);
    expect(signer.algorithm).toBe('ECDSA P-256');
  });

  it('drops one trailing newline from a password file (echo pw > file)', async () => {
    const key = await file('f2/cosign.key', pair.privateKeyPem);
    const pw = await file('f2/pw', `${PASSWORD}\n`);
    const signer = await loadKeySigner({ key, passwordFile: pw, env: noEnv });
    expect(signer.publicKeyPem()).toBe(pair.publicKeyPem);
  });

  it('takes COSIGN_PASSWORD when no password file is given', async () => {
    const key = await file('f3/cosign.key', pair.privateKeyPem);
    const signer = await loadKeySigner({ key, env: { COSIGN_PASSWORD: PASSWORD } });
    expect(signer.publicKeyPem()).toBe(pair.publicKeyPem);
  });

  it('uses an empty password when none is given', async () => {
    const key = await file('f4/cosign.key', emptyPair.privateKeyPem);
    const signer = await loadKeySigner({ key, env: noEnv });
    expect(signer.publicKeyPem()).toBe(emptyPair.publicKeyPem);
  });

  it('loads the old ENCRYPTED COSIGN PRIVATE KEY label', async () => {
    const old = pair.privateKeyPem.split(SIGSTORE_KEY_PEM_TYPE).join(COSIGN_KEY_PEM_TYPE);
    const key = await file('f5/old.key', old);
    const signer = await loadKeySigner({ key, env: { COSIGN_PASSWORD: PASSWORD } });
    expect(signer.publicKeyPem()).toBe(pair.publicKeyPem);
  });

  it('fails with KEY_PASSWORD, the path and a hint on a wrong password, never echoing it', async () => {
    const key = await file('f6/cosign.key', pair.privateKeyPem);
    const error = await rejectionOf(loadKeySigner({ key, env: { COSIGN_PASSWORD: 'not-the-password' } }));
    expect(error.code).toBe('KEY_PASSWORD');
    expect(error.message).toBe(`cannot decrypt cosign key at ${key}: wrong password`);
    expect(error.hint).toMatch(/COSIGN_PASSWORD/);
    expect(error.describe()).not.toContain('not-the-password');
    expect(error.describe()).not.toContain(PASSWORD);
  });

  it('prefers --key-password-file over COSIGN_PASSWORD', async () => {
    const key = await file('f7/cosign.key', pair.privateKeyPem);
    const pw = await file('f7/pw', PASSWORD);
    const signer = await loadKeySigner({ key, passwordFile: pw, env: { COSIGN_PASSWORD: 'wrong' } });
    expect(signer.publicKeyPem()).toBe(pair.publicKeyPem);
  });

  it('names an unreadable password file', async () => {
    const key = await file('f8/cosign.key', pair.privateKeyPem);
    const error = await rejectionOf(loadKeySigner({ key, passwordFile: join(dir, 'nope'), env: noEnv }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(join(dir, 'nope'));
  });
});

describe('loadKeySigner: directories (a mounted signing-secrets workspace)', () => {
  it('reads cosign.key with the cosign.password next to it', async () => {
    await file('d1/cosign.key', pair.privateKeyPem);
    await file('d1/cosign.password', PASSWORD);
    await file('d1/cosign.pub', pair.publicKeyPem);
    const signer = await loadKeySigner({ key: join(dir, 'd1'), env: noEnv });
    expect(signer.publicKeyPem()).toBe(pair.publicKeyPem);
    expect(signer.source).toBe(`cosign.key at ${join(dir, 'd1', 'cosign.key')}`);
  });

  it('lets COSIGN_PASSWORD override the directory cosign.password', async () => {
    await file('d2/cosign.key', pair.privateKeyPem);
    await file('d2/cosign.password', 'stale');
    const signer = await loadKeySigner({ key: join(dir, 'd2'), env: { COSIGN_PASSWORD: PASSWORD } });
    expect(signer.publicKeyPem()).toBe(pair.publicKeyPem);
  });

  it('reads x509.pem (unencrypted PKCS#8), preferring it over cosign.key as Chains does', async () => {
    const key = testKeys.p256();
    await file('d3/x509.pem', pkcs8Pem(key));
    await file('d3/cosign.key', pair.privateKeyPem);
    const signer = await loadKeySigner({ key: join(dir, 'd3'), env: noEnv });
    expect(signer.publicKeyPem()).not.toBe(pair.publicKeyPem);
    expect(signer.source).toContain('x509.pem');
  });

  it('ignores an empty x509.pem (a secret key that is set but empty)', async () => {
    await file('d4/x509.pem', '');
    await file('d4/cosign.key', emptyPair.privateKeyPem);
    await file('d4/cosign.password', '');
    const signer = await loadKeySigner({ key: join(dir, 'd4'), env: noEnv });
    expect(signer.publicKeyPem()).toBe(emptyPair.publicKeyPem);
  });

  it('names a directory that holds no key', async () => {
    await file('d5/other', 'x');
    const error = await rejectionOf(loadKeySigner({ key: join(dir, 'd5'), env: noEnv }));
    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toBe(`directory ${join(dir, 'd5')} holds neither cosign.key nor x509.pem`);
  });
});

describe('loadKeySigner: k8s://NAMESPACE/SECRET', () => {
  it('reads cosign.key and cosign.password from the secret', async () => {
    const secrets = secretsWith({
      'tekton-chains/signing-secrets': {
        'cosign.key': pair.privateKeyPem,
        'cosign.password': PASSWORD,
        'cosign.pub': pair.publicKeyPem,
      },
    });
    const signer = await loadKeySigner({ key: 'k8s://tekton-chains/signing-secrets', env: noEnv, secrets });
    expect(signer.publicKeyPem()).toBe(pair.publicKeyPem);
    expect(secrets.reads).toEqual(['tekton-chains/signing-secrets']);
    expect(signer.source).toBe('cosign.key in secret tekton-chains/signing-secrets');
  });

  it('tells how to create a secret that has no key', async () => {
    const secrets = secretsWith({ 'ns/empty': { other: 'x' } });
    const error = await rejectionOf(loadKeySigner({ key: 'k8s://ns/empty', env: noEnv, secrets }));
    expect(error.code).toBe('KEY_INVALID');
    expect(error.hint).toContain('cosign generate-key-pair k8s://ns/empty');
  });

  it('rejects malformed references and k8s:// without API access', async () => {
    expect((await rejectionOf(loadKeySigner({ key: 'k8s://only-ns', env: noEnv }))).code).toBe(
      'INVALID_ARGUMENT',
    );
    const error = await rejectionOf(loadKeySigner({ key: 'k8s://ns/name', env: noEnv }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.hint).toMatch(/workspace/);
  });
});

describe('loadKeySigner: PEM keys and refusals', () => {
  it('loads PKCS#8 RSA and Ed25519 keys, and SEC1 "EC PRIVATE KEY"', async () => {
    const rsa = await loadKeySigner({
      key: await file('p/rsa.pem', pkcs8Pem(testKeys.rsa2048())),
      env: noEnv,
    });
    expect(rsa.algorithm).toBe('RSA');
    const ed = await loadKeySigner({ key: await file('p/ed.pem', pkcs8Pem(testKeys.ed25519())), env: noEnv });
    expect(ed.algorithm).toBe('Ed25519');
    const sec1 = testKeys.p256().export({ format: 'pem', type: 'sec1' }).toString();
    expect(sec1).toContain('EC PRIVATE KEY');
    const ec = await loadKeySigner({ key: await file('p/sec1.pem', sec1), env: noEnv });
    expect(ec.algorithm).toBe('ECDSA P-256');
  });

  it('finds the key after an openssl EC PARAMETERS block', async () => {
    const sec1 = testKeys.p256().export({ format: 'pem', type: 'sec1' }).toString();
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    const signer = await loadKeySigner({ key: await file('p/ecparam.pem', params + sec1), env: noEnv });
    expect(signer.algorithm).toBe('ECDSA P-256');
  });

  it('says so when --key is given the public key', async () => {
    const error = await rejectionOf(
      loadKeySigner({ key: await file('u/cosign.pub', pair.publicKeyPem), env: noEnv }),
    );
    expect(error.code).toBe('KEY_UNSUPPORTED');
    expect(error.hint).toContain('public key');
  });

  it('refuses P-384 and short RSA keys with KEY_UNSUPPORTED', async () => {
    const p384 = await rejectionOf(
      loadKeySigner({ key: await file('u/p384.pem', pkcs8Pem(testKeys.p384())), env: noEnv }),
    );
    expect(p384.code).toBe('KEY_UNSUPPORTED');
    expect(p384.message).toMatch(/secp384r1/);
    const rsa = await rejectionOf(
      loadKeySigner({ key: await file('u/rsa1024.pem', pkcs8Pem(testKeys.rsa1024())), env: noEnv }),
    );
    expect(rsa.code).toBe('KEY_UNSUPPORTED');
    expect(rsa.message).toMatch(/1024 bits/);
  });

  it('refuses a password-protected PKCS#8 and a certificate with KEY_UNSUPPORTED', async () => {
    const encrypted = testKeys
      .p256()
      .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' })
      .toString();
    const error = await rejectionOf(loadKeySigner({ key: await file('u/enc.pem', encrypted), env: noEnv }));
    expect(error.code).toBe('KEY_UNSUPPORTED');
    expect(error.hint).toMatch(/openssl pkcs8|import-key-pair/);
    const cert = await rejectionOf(
      loadKeySigner({
        key: await file('u/cert.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
        env: noEnv,
      }),
    );
    expect(cert.code).toBe('KEY_UNSUPPORTED');
  });

  it('reports malformed PEM as KEY_INVALID without echoing the content', async () => {
    const body = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg';
    const broken = `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
    const error = await rejectionOf(loadKeySigner({ key: await file('m/broken.pem', broken), env: noEnv }));
    expect(error.code).toBe('KEY_INVALID');
    expect(error.describe()).not.toContain(body);
    const notPem = await rejectionOf(loadKeySigner({ key: await file('m/text', 'hello'), env: noEnv }));
    expect(notPem.code).toBe('KEY_INVALID');
    expect(notPem.message).toContain('is not a PEM key');
  });

  it('names a --key path that does not exist', async () => {
    const error = await rejectionOf(loadKeySigner({ key: join(dir, 'missing.key'), env: noEnv }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('missing.key');
  });
});
