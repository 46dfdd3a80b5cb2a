// signArtifact: a statement becomes a DSSE attestation; the legacy tekton format's bytes a raw signature.
import { describe, expect, it } from 'vitest';
import { signArtifact } from '../../src/commands/sign.js';
import type { Statement } from '../../src/provenance/statement.js';
import { KeySigner } from '../../src/signing/key-signer.js';
import { publicKeyPem } from '../../src/signing/pem-key.js';
import { holdsSameBlob, verifyEnvelope } from '../../src/signing/sign-payload.js';
import { isAttestation } from '../../src/storage/backend.js';
import { testKeys } from '../signing/keys.js';

const statement: Statement = {
  _type: 'https://in-toto.io/Statement/v0.1',
  subject: [],
  predicateType: 'https://slsa.dev/provenance/v0.2',
  predicate: {},
};

describe.each([
  ['ECDSA P-256', testKeys.p256],
  ['RSA 2048', testKeys.rsa2048],
])('signArtifact with %s', (_name, makeKey) => {
  const signer = new KeySigner(makeKey(), 'test key');

  it('signs status bytes as they are (no envelope); the signature holds for them and this key only', async () => {
    const status = Buffer.from('{"podName":"build-pod"}');
    const signed = await signArtifact(status, signer);
    expect(isAttestation(signed)).toBe(false);
    expect(Buffer.from(signed.payload)).toEqual(status);
    if (isAttestation(signed)) return;
    expect(holdsSameBlob(signed.signature, status, signer.publicKeyPem())).toBe(true);
    expect(holdsSameBlob(signed.signature, Buffer.from('{"podName":"other"}'), signer.publicKeyPem())).toBe(
      false,
    );
    expect(holdsSameBlob(signed.signature, status, publicKeyPem(makeKey()))).toBe(false);
  });

  it('signs a statement as a DSSE attestation', async () => {
    const signed = await signArtifact(statement, signer);
    expect(isAttestation(signed) && signed.statement).toBe(statement);
    expect(isAttestation(signed) && verifyEnvelope(signed.envelope, signer.publicKeyPem())).toBe(true);
  });
});
