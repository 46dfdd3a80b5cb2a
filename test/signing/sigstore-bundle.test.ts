// The real cosign CLI verifies the sigstore bundles tekton-attest builds (key-signed and keyless, logged in
// the test Rekor) against the test trusted root, with the transparency log checked (no
// --insecure-ignore-tlog). The blob stands in for the image: its digest is the statement's subject.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAttestation } from '../../src/commands/sign.js';
import type { Statement } from '../../src/provenance/statement.js';
import { tokenSource } from '../../src/signing/identity-token.js';
import { KeySigner } from '../../src/signing/key-signer.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import { logEnvelope } from '../../src/signing/transparency.js';
import { type SigstoreStack, startSigstore } from '../harness/sigstore.js';
import { runCosign } from '../peers/cosign.js';

const SAN = 'https://kubernetes.io/namespaces/builds/serviceaccounts/pipeline';
const blob = Buffer.from('the built artifact');
const statement: Statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'artifact', digest: { sha256: createHash('sha256').update(blob).digest('hex') } }],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: { buildDefinition: { buildType: 'https://tekton.dev/chains/v2/slsa' } },
};
const payload = Buffer.from(JSON.stringify(statement));

let stack: SigstoreStack;
let other: SigstoreStack;
const file = (name: string) => join(stack.dir, name);
beforeAll(async () => {
  [stack, other] = await Promise.all([startSigstore(), startSigstore()]);
  writeFileSync(file('artifact'), blob);
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keySigned = await logEnvelope(
    await signAttestation(statement, new KeySigner(key.privateKey, 'test'), payload),
    stack.rekorUrl,
  );
  writeFileSync(file('cosign.pub'), keySigned.publicKeyPem);
  writeFileSync(file('key.bundle.json'), JSON.stringify(keySigned.sigstoreBundle));
  const token = stack.writeToken({ namespace: 'builds', serviceAccount: 'pipeline' });
  const signer = new KeylessSigner({
    fulcioUrl: stack.fulcioUrl,
    tokenSource: tokenSource(token, '/none', {}),
  });
  const keyless = await logEnvelope(await signAttestation(statement, signer, payload), stack.rekorUrl);
  writeFileSync(file('keyless.bundle.json'), JSON.stringify(keyless.sigstoreBundle));
});
afterAll(async () => {
  await Promise.all([stack?.stop(), other?.stop()]);
});

const verifyBlob = (bundle: string, args: string[], trustedRoot = stack.trustedRootPath) =>
  runCosign([
    'verify-blob-attestation',
    '--bundle',
    file(bundle),
    '--trusted-root',
    trustedRoot,
    '--type',
    'slsaprovenance1',
    ...args,
    file('artifact'),
  ]);

describe('cosign verify-blob-attestation on tekton-attest sigstore bundles', () => {
  it('accepts the key-signed bundle with its Rekor entry', async () => {
    const result = await verifyBlob('key.bundle.json', ['--key', file('cosign.pub')]);
    expect(result.stderr).toContain('Verified OK');
    expect(result.code).toBe(0);
  });

  it('accepts the keyless bundle for the service-account identity and issuer', async () => {
    const result = await verifyBlob('keyless.bundle.json', [
      '--certificate-identity',
      SAN,
      '--certificate-oidc-issuer',
      stack.issuer,
    ]);
    expect(result.stderr).toContain('Verified OK');
    expect(result.code).toBe(0);
  });

  it('rejects the keyless bundle for another identity', async () => {
    const result = await verifyBlob('keyless.bundle.json', [
      '--certificate-identity',
      'https://kubernetes.io/namespaces/builds/serviceaccounts/default',
      '--certificate-oidc-issuer',
      stack.issuer,
    ]);
    expect(result.code).not.toBe(0);
  });

  it('rejects both against a trusted root of another Fulcio/Rekor', async () => {
    const key = await verifyBlob('key.bundle.json', ['--key', file('cosign.pub')], other.trustedRootPath);
    expect(key.code).not.toBe(0);
    const keyless = await verifyBlob(
      'keyless.bundle.json',
      ['--certificate-identity', SAN, '--certificate-oidc-issuer', stack.issuer],
      other.trustedRootPath,
    );
    expect(keyless.code).not.toBe(0);
  });
});
