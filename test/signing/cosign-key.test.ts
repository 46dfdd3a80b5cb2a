import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  COSIGN_KEY_PEM_TYPE,
  decryptCosignKey,
  encryptCosignKey,
  SIGSTORE_KEY_PEM_TYPE,
} from '../../src/signing/cosign-key.js';
import { decodePem, encodePem } from '../../src/signing/pem-key.js';
import { rejectionOf } from '../harness/attest-error.js';

const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
  format: 'der',
  type: 'pkcs8',
});
const password = Buffer.from('correct horse battery staple');

describe('cosign encrypted keys', () => {
  it('round-trips PKCS#8 through scrypt + secretbox with the cosign body layout', async () => {
    const pem = await encryptCosignKey(pkcs8, password);
    const block = decodePem(pem, 'k');
    expect(block.type).toBe(SIGSTORE_KEY_PEM_TYPE);
    const body = JSON.parse(block.der.toString('utf8'));
    expect(Object.keys(body)).toEqual(['kdf', 'cipher', 'ciphertext']);
    expect(body.kdf.name).toBe('scrypt');
    expect(body.kdf.params).toEqual({ N: 65536, r: 8, p: 1 });
    expect(Buffer.from(body.kdf.salt, 'base64')).toHaveLength(32);
    expect(body.cipher.name).toBe('nacl/secretbox');
    expect(Buffer.from(body.cipher.nonce, 'base64')).toHaveLength(24);
    const der = await decryptCosignKey(block, password, 'k');
    expect(Buffer.from(der)).toEqual(pkcs8);
    expect(createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }).asymmetricKeyType).toBe(
      'ec',
    );
  });

  it('decrypts the old ENCRYPTED COSIGN PRIVATE KEY label (same body)', async () => {
    const pem = await encryptCosignKey(pkcs8, password, COSIGN_KEY_PEM_TYPE);
    expect(pem).toContain('-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----');
    const der = await decryptCosignKey(decodePem(pem, 'old'), password, 'old');
    expect(Buffer.from(der)).toEqual(pkcs8);
  });

  it('reports a wrong password as KEY_PASSWORD naming the key and where the password came from', async () => {
    const block = decodePem(await encryptCosignKey(pkcs8, password), 'k');
    const error = await rejectionOf(
      decryptCosignKey(block, Buffer.from('hunter22'), 'cosign.key at /x/cosign.key', 'COSIGN_PASSWORD'),
    );
    expect(error.code).toBe('KEY_PASSWORD');
    expect(error.message).toBe('cannot decrypt cosign.key at /x/cosign.key: wrong password');
    expect(error.hint).toMatch(/COSIGN_PASSWORD/);
    expect(error.describe()).not.toContain('hunter22');
    expect(error.describe()).not.toContain(password.toString());
  });

  it('refuses unknown scrypt parameters before deriving anything (a tampered key cannot exhaust memory)', async () => {
    const block = decodePem(await encryptCosignKey(pkcs8, password), 'k');
    const body = JSON.parse(block.der.toString('utf8'));
    body.kdf.params.N = 1 << 24;
    const tampered = decodePem(encodePem(SIGSTORE_KEY_PEM_TYPE, Buffer.from(JSON.stringify(body))), 'k');
    const error = await rejectionOf(decryptCosignKey(tampered, password, 'tampered.key'));
    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toMatch(/tampered\.key .*unsupported scrypt parameters/);
  });

  it('reports a body that is not cosign JSON as KEY_INVALID', async () => {
    const junk = decodePem(encodePem(SIGSTORE_KEY_PEM_TYPE, Buffer.from('garbage')), 'k');
    expect((await rejectionOf(decryptCosignKey(junk, password, 'junk.key'))).code).toBe('KEY_INVALID');
    const otherCipher = decodePem(
      encodePem(
        SIGSTORE_KEY_PEM_TYPE,
        Buffer.from(JSON.stringify({ kdf: { name: 'scrypt' }, cipher: { name: 'aes' }, ciphertext: '' })),
      ),
      'k',
    );
    const error = await rejectionOf(decryptCosignKey(otherCipher, password, 'aes.key'));
    expect(error.message).toMatch(/unknown cipher "aes"/);
  });
});
