// KeylessSigner against the test Fulcio over real HTTP (sigstore's mock CA behind a wrapper that checks
// tokens the way Fulcio's Kubernetes issuer does).
import { verify, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../src/log.js';
import { certificateIdentity, parseCertificate } from '../../src/signing/fulcio-certificate.js';
import { tokenSource } from '../../src/signing/identity-token.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import { rejectionOf } from '../harness/attest-error.js';
import { type SigstoreStack, startSigstore, TEST_OIDC_ISSUER } from '../harness/sigstore.js';

let stack: SigstoreStack;
beforeAll(async () => {
  stack = await startSigstore();
});
afterAll(async () => {
  await stack?.stop();
});

const DEFAULT_FILE = '/nonexistent/oidc-token';
const data = Buffer.from('DSSEv1 28 application/vnd.in-toto+json 2 {}');

function signerFor(path: string, fulcioUrl = stack.fulcioUrl): KeylessSigner {
  return new KeylessSigner({ fulcioUrl, tokenSource: tokenSource(path, DEFAULT_FILE, {}) });
}

describe('KeylessSigner', () => {
  it('gets a certificate for the service account and signs with its key', async () => {
    const signer = signerFor(stack.writeToken({ namespace: 'builds', serviceAccount: 'pipeline' }));
    expect(signer.certificatePem()).toBeUndefined();
    const signature = await signer.sign(data);

    const leafPem = signer.certificatePem();
    expect(leafPem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    const identity = certificateIdentity(parseCertificate(leafPem ?? ''));
    expect(identity.subjectAlternativeName).toBe(
      'https://kubernetes.io/namespaces/builds/serviceaccounts/pipeline',
    );
    expect(identity.issuer).toBe(TEST_OIDC_ISSUER);
    const leaf = new X509Certificate(leafPem ?? '');
    expect(verify('sha256', data, leaf.publicKey, Buffer.from(signature))).toBe(true);
    expect(leaf.publicKey.export({ format: 'pem', type: 'spki' })).toBe(signer.publicKeyPem());

    // The chain is what the CA returned after the leaf: here, the test root, which issued the leaf.
    const chain = new X509Certificate(signer.chainPem() ?? '');
    expect(leaf.verify(chain.publicKey)).toBe(true);
    expect(signer.identity()?.token.kubernetesIdentity).toBe(identity.subjectAlternativeName);
  });

  it('reuses the certificate while it is valid (one Fulcio request for several signatures)', async () => {
    const signer = signerFor(stack.writeToken({ namespace: 'builds', serviceAccount: 'reuse' }));
    const before = stack.requests.fulcio;
    await signer.sign(data);
    const first = signer.certificatePem();
    await signer.sign(data);
    expect(signer.certificatePem()).toBe(first);
    expect(stack.requests.fulcio - before).toBe(1);
  });

  it('reads the token when signing, not when constructed (the kubelet rotates the file)', async () => {
    const path = join(stack.dir, 'late-token');
    const signer = signerFor(path);
    writeFileSync(path, stack.mintToken({ namespace: 'late', serviceAccount: 'writer' }));
    await signer.sign(data);
    expect(certificateIdentity(parseCertificate(signer.certificatePem() ?? '')).subjectAlternativeName).toBe(
      'https://kubernetes.io/namespaces/late/serviceaccounts/writer',
    );
  });

  it('takes SIGSTORE_ID_TOKEN when no token file is given', async () => {
    const token = stack.mintToken({ namespace: 'env', serviceAccount: 'sa' });
    const source = tokenSource(undefined, DEFAULT_FILE, { SIGSTORE_ID_TOKEN: token });
    expect(source).toEqual({ kind: 'env', name: 'SIGSTORE_ID_TOKEN' });
    expect(tokenSource(undefined, DEFAULT_FILE, {})).toEqual({ kind: 'file', path: DEFAULT_FILE });
    expect(tokenSource('/explicit', DEFAULT_FILE, { SIGSTORE_ID_TOKEN: token })).toEqual({
      kind: 'file',
      path: '/explicit',
    });
    process.env.SIGSTORE_ID_TOKEN = token;
    try {
      const signer = new KeylessSigner({ fulcioUrl: stack.fulcioUrl, tokenSource: source });
      await signer.sign(data);
      expect(
        certificateIdentity(parseCertificate(signer.certificatePem() ?? '')).subjectAlternativeName,
      ).toBe('https://kubernetes.io/namespaces/env/serviceaccounts/sa');
    } finally {
      delete process.env.SIGSTORE_ID_TOKEN;
    }
  });

  it('refuses an expired token before asking Fulcio, and never shows the token', async () => {
    const path = stack.writeToken({ namespace: 'builds', serviceAccount: 'old', expiresIn: -60 });
    const token = stack.mintToken({ namespace: 'builds', serviceAccount: 'old', expiresIn: -60 });
    const before = stack.requests.fulcio;
    const error = await rejectionOf(signerFor(path).sign(data));
    expect(error.code).toBe('KEYLESS');
    expect(error.message).toContain(`identity token file ${path} expired at`);
    expect(error.message).toContain('system:serviceaccount:builds:old');
    expect(stack.requests.fulcio).toBe(before);
    expect(error.describe()).not.toContain(token.split('.')[2]);
  });

  it('refuses a token for another audience, saying which audience is needed', async () => {
    const path = stack.writeToken({
      namespace: 'builds',
      serviceAccount: 'sa',
      audience: 'https://kubernetes.default.svc',
    });
    const error = await rejectionOf(signerFor(path).sign(data));
    expect(error.code).toBe('KEYLESS');
    expect(error.message).toContain('audience https://kubernetes.default.svc');
    expect(error.message).toContain('Fulcio accepts only "sigstore"');
    expect(error.hint).toContain('audience: sigstore');
  });

  it('refuses a file that holds no JWT, and a missing file', async () => {
    const path = join(stack.dir, 'garbage-token');
    writeFileSync(path, 'not-a-token');
    const garbage = await rejectionOf(signerFor(path).sign(data));
    expect(garbage.message).toContain(`identity token file ${path} is not a JWT`);
    const missing = await rejectionOf(signerFor(join(stack.dir, 'absent')).sign(data));
    expect(missing.message).toContain('cannot read the identity token file');
    expect(missing.hint).toContain('projected service-account token');
  });

  it('reports a token Fulcio rejects (untrusted issuer) with the URL, without retrying', async () => {
    const path = stack.writeToken({ namespace: 'builds', serviceAccount: 'sa', untrustedKey: true });
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    const before = stack.requests.fulcio;
    try {
      const error = await rejectionOf(signerFor(path).sign(data));
      expect(error.code).toBe('KEYLESS');
      expect(error.message).toContain(`Fulcio at ${stack.fulcioUrl} answered HTTP 401`);
      expect(error.message).toContain(`issuer ${TEST_OIDC_ISSUER}`);
      expect(error.hint).toContain('private Fulcio');
      expect(stack.requests.fulcio - before).toBe(1);
    } finally {
      setLogSink((line) => process.stderr.write(`${line}\n`));
    }
    const { readFileSync } = await import('node:fs');
    const token = readFileSync(path, 'utf8');
    expect(lines.join('\n')).not.toContain(token);
  });

  it('retries Fulcio 5xx and then succeeds', async () => {
    const signer = signerFor(stack.writeToken({ namespace: 'builds', serviceAccount: 'flaky' }));
    stack.failNext('fulcio', 2, 503);
    const before = stack.requests.fulcio;
    await signer.sign(data);
    expect(stack.requests.fulcio - before).toBe(3);
    expect(signer.certificatePem()).toBeDefined();
  });

  it('fails with the URL when Fulcio stays unreachable, after bounded retries', async () => {
    const signer = signerFor(stack.writeToken({ namespace: 'builds', serviceAccount: 'sa' }), stack.deadUrl);
    const error = await rejectionOf(signer.sign(data));
    expect(error.code).toBe('KEYLESS');
    expect(error.message).toContain(`Fulcio at ${stack.deadUrl} unreachable after 4 attempts`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(signer.certificatePem()).toBeUndefined();
  });

  it('fails when Fulcio keeps answering 503', async () => {
    const signer = signerFor(stack.writeToken({ namespace: 'builds', serviceAccount: 'sa' }));
    stack.failNext('fulcio', 10, 503);
    try {
      const error = await rejectionOf(signer.sign(data));
      expect(error.message).toContain(`Fulcio at ${stack.fulcioUrl} kept failing after 4 attempts (HTTP 503`);
    } finally {
      stack.failNext('fulcio', 0);
    }
  });
});
