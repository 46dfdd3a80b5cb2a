import { describe, expect, it } from 'vitest';
import { signAttestation } from '../../src/commands/sign.js';
import type { Statement } from '../../src/provenance/statement.js';
import { parseEnvelope } from '../../src/signing/dsse.js';
import { KeySigner } from '../../src/signing/key-signer.js';
import { publicKeyPem } from '../../src/signing/pem-key.js';
import { verifyEnvelope } from '../../src/signing/sign-payload.js';
import { testKeys } from './keys.js';

const statement: Statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'registry.example/app', digest: { sha256: 'a'.repeat(64) } }],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: { buildDefinition: { buildType: 'https://tekton.dev/chains/v2/slsa' } },
};
const payload = Buffer.from(JSON.stringify(statement));

describe.each([
  ['ECDSA P-256', testKeys.p256],
  ['RSA 2048', testKeys.rsa2048],
  ['Ed25519', testKeys.ed25519],
])('signAttestation with %s', (_name, makeKey) => {
  const key = makeKey();
  const signer = new KeySigner(key, 'test key');

  it('produces an envelope whose JSON is what it describes and that verifies with the public key', async () => {
    const signed = await signAttestation(statement, signer, payload);
    expect(signed.statement).toBe(statement);
    expect(Buffer.from(signed.payload)).toEqual(payload);
    expect(signed.publicKeyPem).toBe(publicKeyPem(key));
    expect(parseEnvelope(signed.envelopeJson, 'signed')).toEqual(signed.envelope);
    expect(Buffer.from(signed.envelope.payload, 'base64')).toEqual(payload);
    expect(signed.envelope.signatures).toHaveLength(1);
    expect(signed.envelope.signatures[0]?.keyid).toBe('');
    expect(verifyEnvelope(signed.envelope, signed.publicKeyPem)).toBe(true);
  });

  it('fails verification for a changed payload, another payload type, or another key', async () => {
    const signed = await signAttestation(statement, signer, payload);
    const changed = { ...signed.envelope, payload: Buffer.from(`${payload} `).toString('base64') };
    expect(verifyEnvelope(changed, signed.publicKeyPem)).toBe(false);
    expect(verifyEnvelope({ ...signed.envelope, payloadType: 'text/plain' }, signed.publicKeyPem)).toBe(
      false,
    );
    expect(verifyEnvelope(signed.envelope, publicKeyPem(makeKey()))).toBe(false);
  });
});

describe('ECDSA signatures', () => {
  it('are ASN.1 DER (SEQUENCE of two INTEGERs), as cosign expects', async () => {
    const signed = await signAttestation(statement, new KeySigner(testKeys.p256(), 'k'), payload);
    const sig = Buffer.from(signed.envelope.signatures[0]!.sig, 'base64');
    expect(sig[0]).toBe(0x30);
    expect(sig[1]).toBe(sig.length - 2);
    expect(sig[2]).toBe(0x02);
  });
});
