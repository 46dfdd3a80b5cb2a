import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signAttestation } from '../../src/commands/sign.js';
import type { Statement } from '../../src/provenance/statement.js';
import { COSIGN_KEY_PEM_TYPE, SIGSTORE_KEY_PEM_TYPE } from '../../src/signing/cosign-key.js';
import { verifySignature } from '../../src/signing/key-signer.js';
import { loadKeySigner } from '../../src/signing/load-key.js';
import { publicKeyFromPem, publicKeyPem } from '../../src/signing/pem-key.js';
import { runCli } from '../harness/run-built-cli.js';
import { runCosign } from '../peers/cosign.js';
import { pkcs8Pem, testKeys } from './keys.js';

// Keys both ways with the real cosign CLI (issue 8): our keygen output loads in cosign, cosign's keys
// (empty password, a password, the old ENCRYPTED COSIGN PRIVATE KEY label) load and sign with ours.

let root: string;
let blob: string;
const BLOB = Buffer.from('tekton-attest interop blob\n');
/** cosign verify-blob without a transparency log: our keys are not in one. */
const offline = ['--insecure-ignore-tlog'];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cosign-interop-'));
  blob = join(root, 'blob.txt');
  await writeFile(blob, BLOB);
});

async function cosignGenerate(dir: string, password: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const result = await runCosign(['generate-key-pair'], { cwd: dir, env: { COSIGN_PASSWORD: password } });
  expect(result.code, result.stderr).toBe(0);
}

/** cosign verify-blob with cosign.pub over a raw signature (base64 DER in a file). */
async function cosignVerifyBlob(publicKeyPath: string, signature: Uint8Array): Promise<void> {
  const sigPath = join(root, `sig-${Date.now()}-${Math.random()}.b64`);
  await writeFile(sigPath, Buffer.from(signature).toString('base64'));
  const result = await runCosign([
    'verify-blob',
    '--key',
    publicKeyPath,
    '--signature',
    sigPath,
    ...offline,
    blob,
  ]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain('Verified OK');
}

/** cosign sign-blob with a key file, offline, the signature (base64 DER) written to `output`. */
function cosignSignBlob(keyPath: string, password: string, output: string) {
  return runCosign(
    [
      'sign-blob',
      '--key',
      keyPath,
      '--tlog-upload=false',
      '--new-bundle-format=false',
      '--use-signing-config=false',
      '--yes',
      '--output-signature',
      output,
      blob,
    ],
    { env: { COSIGN_PASSWORD: password } },
  );
}

describe('a key pair from tekton-attest keygen', () => {
  it.each([
    ['a password', 'keygen-pass-42'],
    ['an empty password', ''],
  ])(
    'with %s is loaded by cosign sign-blob, and its signature verifies with our cosign.pub',
    async (_n, pw) => {
      const dir = join(root, `keygen-${pw.length}`);
      const made = await runCli(['keygen', '--output-dir', dir], { env: { COSIGN_PASSWORD: pw } });
      expect(made.code, made.stderr).toBe(0);
      const sigPath = join(dir, 'blob.sig');
      const signed = await cosignSignBlob(join(dir, 'cosign.key'), pw, sigPath);
      expect(signed.code, signed.stderr).toBe(0);
      const signature = Buffer.from((await readFile(sigPath, 'utf8')).trim(), 'base64');
      const pub = publicKeyFromPem(await readFile(join(dir, 'cosign.pub'), 'utf8'), 'cosign.pub');
      expect(verifySignature(pub, BLOB, signature)).toBe(true);
      const verified = await runCosign([
        'verify-blob',
        '--key',
        join(dir, 'cosign.pub'),
        '--signature',
        sigPath,
        ...offline,
        blob,
      ]);
      expect(verified.code, verified.stderr).toBe(0);
    },
  );

  it('is refused by cosign with a wrong password (the encryption is real, not a passthrough)', async () => {
    const dir = join(root, 'keygen-wrong');
    const made = await runCli(['keygen', '--output-dir', dir], { env: { COSIGN_PASSWORD: 'right-one' } });
    expect(made.code, made.stderr).toBe(0);
    const signed = await cosignSignBlob(join(dir, 'cosign.key'), 'wrong-one', join(dir, 'blob.sig'));
    expect(signed.code).not.toBe(0);
    expect(signed.stderr).toMatch(/decrypt/i);
  });
});

describe('a key pair from cosign generate-key-pair', () => {
  it.each([
    ['an empty password', ''],
    ['a password', 'cosign-pass-7'],
  ])('with %s signs with our loader, and cosign verify-blob accepts the signature', async (_n, pw) => {
    const dir = join(root, `cosign-${pw.length}`);
    await cosignGenerate(dir, pw);
    const signer = await loadKeySigner({ key: join(dir, 'cosign.key'), env: { COSIGN_PASSWORD: pw } });
    expect(signer.publicKeyPem()).toBe(await readFile(join(dir, 'cosign.pub'), 'utf8'));
    await cosignVerifyBlob(join(dir, 'cosign.pub'), await signer.sign(BLOB));
  });

  it('loads from a directory with cosign.password, as the k8s:// secret cosign creates is laid out', async () => {
    const dir = join(root, 'cosign-dir');
    await cosignGenerate(dir, 'dir-pass');
    await writeFile(join(dir, 'cosign.password'), 'dir-pass');
    const signer = await loadKeySigner({ key: dir, env: {} });
    await cosignVerifyBlob(join(dir, 'cosign.pub'), await signer.sign(BLOB));
  });

  it('still loads under the old ENCRYPTED COSIGN PRIVATE KEY label, which cosign also accepts', async () => {
    const dir = join(root, 'cosign-old');
    await cosignGenerate(dir, 'old-pass');
    const pem = await readFile(join(dir, 'cosign.key'), 'utf8');
    expect(pem).toContain(SIGSTORE_KEY_PEM_TYPE);
    const oldPath = join(dir, 'old.key');
    await writeFile(oldPath, pem.split(SIGSTORE_KEY_PEM_TYPE).join(COSIGN_KEY_PEM_TYPE));
    // cosign itself reads the relabelled key (so the relabel is a faithful old-format key)...
    const cosignSigned = await cosignSignBlob(oldPath, 'old-pass', join(dir, 'old.sig'));
    expect(cosignSigned.code, cosignSigned.stderr).toBe(0);
    // ...and so do we.
    const signer = await loadKeySigner({ key: oldPath, env: { COSIGN_PASSWORD: 'old-pass' } });
    await cosignVerifyBlob(join(dir, 'cosign.pub'), await signer.sign(BLOB));
  });

  it('with a wrong password fails with KEY_PASSWORD', async () => {
    const dir = join(root, 'cosign-wrong');
    await cosignGenerate(dir, 'real');
    await expect(
      loadKeySigner({ key: join(dir, 'cosign.key'), env: { COSIGN_PASSWORD: 'fake' } }),
    ).rejects.toMatchObject({
      code: 'KEY_PASSWORD',
    });
    expect((await stat(join(dir, 'cosign.key'))).mode & 0o777).toBe(0o600);
  });
});

describe('a DSSE envelope we sign', () => {
  const statement: Statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'blob.txt', digest: { sha256: createHash('sha256').update(BLOB).digest('hex') } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: { buildDefinition: { buildType: 'https://tekton.dev/chains/v2/slsa' }, runDetails: {} },
  };

  async function verifyAttestation(publicKeyPath: string, envelopePath: string) {
    return runCosign([
      'verify-blob-attestation',
      '--key',
      publicKeyPath,
      '--signature',
      envelopePath,
      '--type',
      'slsaprovenance1',
      ...offline,
      blob,
    ]);
  }

  it.each([
    ['cosign ECDSA P-256', 'cosign'],
    ['x509.pem RSA 2048', 'rsa'],
    ['x509.pem Ed25519', 'ed25519'],
  ])(
    'with a %s key verifies with cosign verify-blob-attestation --type slsaprovenance1',
    async (_n, kind) => {
      const dir = join(root, `dsse-${kind}`);
      if (kind === 'cosign') {
        await cosignGenerate(dir, '');
      } else {
        await mkdir(dir, { recursive: true });
        const key = kind === 'rsa' ? testKeys.rsa2048() : testKeys.ed25519();
        await writeFile(join(dir, 'x509.pem'), pkcs8Pem(key));
        await writeFile(join(dir, 'cosign.pub'), publicKeyPem(key));
      }
      const signer = await loadKeySigner({ key: dir, env: { COSIGN_PASSWORD: '' } });
      const signed = await signAttestation(statement, signer, Buffer.from(JSON.stringify(statement)));
      const envelopePath = join(dir, 'envelope.json');
      await writeFile(envelopePath, signed.envelopeJson);
      const result = await verifyAttestation(join(dir, 'cosign.pub'), envelopePath);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('Verified OK');
    },
  );

  it('is rejected by cosign with another public key', async () => {
    const dir = join(root, 'dsse-other');
    await cosignGenerate(dir, '');
    await mkdir(join(dir, 'other'));
    await cosignGenerate(join(dir, 'other'), '');
    const signer = await loadKeySigner({ key: dir, env: { COSIGN_PASSWORD: '' } });
    const signed = await signAttestation(statement, signer, Buffer.from(JSON.stringify(statement)));
    const envelopePath = join(dir, 'envelope.json');
    await writeFile(envelopePath, signed.envelopeJson);
    const result = await verifyAttestation(join(dir, 'other', 'cosign.pub'), envelopePath);
    expect(result.code).not.toBe(0);
  });
});
