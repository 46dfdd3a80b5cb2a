// verify's sigstore checks (identity, certificate chain, Rekor entry) on material produced by the real
// signing path against the test Fulcio/Rekor; a second, unrelated sigstore stack plays the wrong root.
import { generateKeyPairSync } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAttestation } from '../../src/commands/sign.js';
import type { Statement } from '../../src/provenance/statement.js';
import { tokenSource } from '../../src/signing/identity-token.js';
import { KeySigner } from '../../src/signing/key-signer.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import { REKOR_BUNDLE_ANNOTATION, rekorBundleAnnotation } from '../../src/signing/rekor-bundle.js';
import { logEnvelope, logPayloadSignature } from '../../src/signing/transparency.js';
import type { Signer } from '../../src/signing/types.js';
import type { SignedAttestation } from '../../src/storage/backend.js';
import {
  CERTIFICATE_ANNOTATION,
  materialFromLayer,
  materialFromSignatureLayer,
  materialFromSigstoreBundle,
  type PayloadSignatureMaterial,
  SIGNATURE_ANNOTATION,
  type SignatureMaterial,
  type SigstoreVerifyOptions,
  verifyPayloadSignature,
  verifySignatureMaterial,
} from '../../src/verify/sigstore.js';
import { loadTrustedRoot } from '../../src/verify/trusted-root.js';
import { rejectionOf } from '../harness/attest-error.js';
import { type SigstoreStack, startSigstore } from '../harness/sigstore.js';

const statement: Statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'registry.example/app', digest: { sha256: 'c'.repeat(64) } }],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: {},
};
const payload = Buffer.from(JSON.stringify(statement));
const SAN = 'https://kubernetes.io/namespaces/builds/serviceaccounts/pipeline';

let stack: SigstoreStack;
let other: SigstoreStack;
let keyLogged: SignedAttestation;
let keyUnlogged: SignedAttestation;
let keylessLogged: SignedAttestation;
/** `.sig` layers as the oci backend writes them: annotations and blob. */
interface SigLayer {
  payload: Buffer;
  annotations: Record<string, string>;
}
let sigKeyLogged: SigLayer;
let sigKeyUnlogged: SigLayer;
let sigKeylessLogged: SigLayer;
let keyPem: string;
const simpleSigning = Buffer.from(
  `{"critical":{"identity":{"docker-reference":"registry.example/app"},"image":{"docker-manifest-digest":"sha256:${'c'.repeat(64)}"},"type":"cosign container image signature"},"optional":null}`,
);

/** Signs the simple-signing payload and, with a Rekor URL, logs it: what OciTagStorage stores. */
async function sigLayer(signer: Signer, rekorUrl?: string): Promise<SigLayer> {
  const signature = Buffer.from(await signer.sign(simpleSigning)).toString('base64');
  const annotations: Record<string, string> = { [SIGNATURE_ANNOTATION]: signature };
  const certificate = signer.certificatePem?.();
  if (certificate) annotations[CERTIFICATE_ANNOTATION] = certificate;
  if (rekorUrl) {
    const verifierPem = certificate ?? signer.publicKeyPem();
    const entry = await logPayloadSignature({ payload: simpleSigning, signature, verifierPem }, rekorUrl);
    annotations[REKOR_BUNDLE_ANNOTATION] = rekorBundleAnnotation(entry);
  }
  return { payload: simpleSigning, annotations };
}

function sigOf(layer: SigLayer, changes: Partial<SigLayer> = {}): PayloadSignatureMaterial {
  const { payload, annotations } = { ...layer, ...changes };
  return materialFromSignatureLayer(payload, annotations, 'sig layer');
}

beforeAll(async () => {
  [stack, other] = await Promise.all([startSigstore(), startSigstore()]);
  const key = new KeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'test');
  keyUnlogged = await signAttestation(statement, key, payload);
  keyLogged = await logEnvelope(await signAttestation(statement, key, payload), stack.rekorUrl);
  const path = stack.writeToken({ namespace: 'builds', serviceAccount: 'pipeline' });
  const keyless = new KeylessSigner({
    fulcioUrl: stack.fulcioUrl,
    tokenSource: tokenSource(path, '/none', {}),
  });
  keylessLogged = await logEnvelope(await signAttestation(statement, keyless, payload), stack.rekorUrl);
  keyPem = key.publicKeyPem();
  [sigKeyLogged, sigKeyUnlogged, sigKeylessLogged] = [
    await sigLayer(key, stack.rekorUrl),
    await sigLayer(key),
    await sigLayer(keyless, stack.rekorUrl),
  ];
});
afterAll(async () => {
  await Promise.all([stack?.stop(), other?.stop()]);
});

/** The `.att` layer the OCI backend writes for an attestation. */
function layerOf(att: SignedAttestation, envelopeJson = att.envelopeJson): SignatureMaterial {
  const annotations: Record<string, string> = { 'dev.cosignproject.cosign/signature': '' };
  if (att.certificatePem) annotations[CERTIFICATE_ANNOTATION] = att.certificatePem;
  if (att.tlogEntry) annotations[REKOR_BUNDLE_ANNOTATION] = rekorBundleAnnotation(att.tlogEntry);
  return materialFromLayer(Buffer.from(envelopeJson), annotations, 'layer 0');
}

function options(overrides: Partial<SigstoreVerifyOptions> = {}, root = stack): SigstoreVerifyOptions {
  return {
    identity: {},
    ignoreTlog: false,
    trustedRoot: () => loadTrustedRoot(root.trustedRootPath),
    ...overrides,
  };
}

describe('key-signed layers', () => {
  it('verify with the key and the Rekor entry', async () => {
    const result = await verifySignatureMaterial(
      layerOf(keyLogged),
      options({ publicKeyPem: keyLogged.publicKeyPem }),
    );
    expect(result).toEqual({
      kind: 'key',
      tlog: { logIndex: keyLogged.tlogEntry?.logIndex, integratedTime: keyLogged.tlogEntry?.integratedTime },
    });
  });

  it('fail when the layer bytes are not the logged envelope bytes (same envelope, other serialization)', async () => {
    const reserialized = JSON.stringify(JSON.parse(keyLogged.envelopeJson), null, 1);
    const error = await rejectionOf(
      verifySignatureMaterial(
        layerOf(keyLogged, reserialized),
        options({ publicKeyPem: keyLogged.publicKeyPem }),
      ),
    );
    expect(error.message).toMatch(
      /layer 0: the Rekor entry \(logIndex \d+\) logs envelope sha256:\w+, not the stored layer/,
    );
  });

  it('fail against a trusted root of another Rekor, naming the signed entry timestamp', async () => {
    const error = await rejectionOf(
      verifySignatureMaterial(layerOf(keyLogged), options({ publicKeyPem: keyLogged.publicKeyPem }, other)),
    );
    expect(error.message).toContain('inclusion promise could not be verified');
    expect(error.hint).toContain('--trusted-root');
  });

  it('fail with another key', async () => {
    const otherKey = String(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }),
    );
    const error = await rejectionOf(
      verifySignatureMaterial(layerOf(keyLogged), options({ publicKeyPem: otherKey })),
    );
    expect(error.message).toContain('signature verification failed');
  });

  it('require a log entry unless --insecure-ignore-tlog (which needs no trusted root)', async () => {
    const error = await rejectionOf(
      verifySignatureMaterial(layerOf(keyUnlogged), options({ publicKeyPem: keyUnlogged.publicKeyPem })),
    );
    expect(error.message).toContain('layer 0 has no transparency-log entry (dev.sigstore.cosign/bundle)');
    expect(error.hint).toContain('--insecure-ignore-tlog');
    const result = await verifySignatureMaterial(
      layerOf(keyUnlogged),
      options({
        publicKeyPem: keyUnlogged.publicKeyPem,
        ignoreTlog: true,
        trustedRoot: () => Promise.reject(new Error('must not be loaded')),
      }),
    );
    expect(result).toEqual({ kind: 'key' });
  });
});

describe('keyless layers', () => {
  const issuerPolicy = () => ({ oidcIssuer: stack.issuer });

  it('verify the certificate chain, SCT, Rekor entry and identity', async () => {
    const result = await verifySignatureMaterial(
      layerOf(keylessLogged),
      options({ identity: { identity: SAN, ...issuerPolicy() } }),
    );
    expect(result.kind).toBe('keyless');
    expect(result.identity?.subjectAlternativeName).toBe(SAN);
    expect(result.identity?.issuer).toBe(stack.issuer);
    expect(result.tlog?.logIndex).toBe(keylessLogged.tlogEntry?.logIndex);
  });

  it('match an identity regexp, and refuse a non-matching one', async () => {
    const ok = await verifySignatureMaterial(
      layerOf(keylessLogged),
      options({
        identity: { identityRegexp: /^https:\/\/kubernetes\.io\/namespaces\/builds\//, ...issuerPolicy() },
      }),
    );
    expect(ok.identity?.subjectAlternativeName).toBe(SAN);
    const error = await rejectionOf(
      verifySignatureMaterial(
        layerOf(keylessLogged),
        options({ identity: { identityRegexp: /\/namespaces\/prod\//, ...issuerPolicy() } }),
      ),
    );
    expect(error.message).toBe(
      `layer 0: the certificate identity ${SAN} does not match \\/namespaces\\/prod\\/`,
    );
  });

  it('refuse another service account or another issuer', async () => {
    const wrongSa = await rejectionOf(
      verifySignatureMaterial(
        layerOf(keylessLogged),
        options({
          identity: {
            identity: 'https://kubernetes.io/namespaces/builds/serviceaccounts/default',
            ...issuerPolicy(),
          },
        }),
      ),
    );
    expect(wrongSa.message).toContain(
      `the certificate identity is ${SAN}, not https://kubernetes.io/namespaces/builds/serviceaccounts/default`,
    );
    const wrongIssuer = await rejectionOf(
      verifySignatureMaterial(
        layerOf(keylessLogged),
        options({ identity: { identity: SAN, oidcIssuer: 'https://accounts.google.com' } }),
      ),
    );
    expect(wrongIssuer.message).toContain(`issuer is ${stack.issuer}, not https://accounts.google.com`);
  });

  it('refuse a certificate from a Fulcio the trusted root does not list', async () => {
    const root = TrustedRoot.fromJSON(stack.trustedRoot);
    const foreign = TrustedRoot.fromJSON(other.trustedRoot);
    // Trust this Rekor but the other stack's Fulcio.
    const mixed = { ...root, certificateAuthorities: foreign.certificateAuthorities };
    const error = await rejectionOf(
      verifySignatureMaterial(
        layerOf(keylessLogged),
        options({ identity: { identity: SAN, ...issuerPolicy() }, trustedRoot: async () => mixed }),
      ),
    );
    expect(error.message).toContain('Failed to verify certificate chain');
    expect(error.hint).toContain('Fulcio');
  });

  it('verify without the log when asked (certificate valid now), and refuse a layer without certificate', async () => {
    const result = await verifySignatureMaterial(
      layerOf(keylessLogged),
      options({ identity: { identity: SAN, ...issuerPolicy() }, ignoreTlog: true }),
    );
    expect(result).toEqual({
      kind: 'keyless',
      identity: expect.objectContaining({ subjectAlternativeName: SAN }),
    });
    const error = await rejectionOf(
      verifySignatureMaterial(layerOf(keyLogged), options({ identity: { identity: SAN } })),
    );
    expect(error.message).toContain('carries no certificate');
  });
});

describe('.sig image signatures', () => {
  it('verify with the key and the hashedrekord entry', async () => {
    const result = await verifyPayloadSignature(sigOf(sigKeyLogged), options({ publicKeyPem: keyPem }));
    expect(result.kind).toBe('key');
    expect(result.tlog?.logIndex).toBeTypeOf('number');
  });

  it('fail against another Rekor, with a payload that is not the signed one, or with another key', async () => {
    const otherRoot = await rejectionOf(
      verifyPayloadSignature(sigOf(sigKeyLogged), options({ publicKeyPem: keyPem }, other)),
    );
    expect(otherRoot.message).toContain('inclusion promise could not be verified');
    const otherPayload = await rejectionOf(
      verifyPayloadSignature(
        sigOf(sigKeyLogged, { payload: Buffer.from(simpleSigning.toString().replace('app', 'app2')) }),
        options({ publicKeyPem: keyPem }),
      ),
    );
    expect(otherPayload.code).toBe('VERIFY_FAILED');
    const otherKey = String(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }),
    );
    await expect(
      verifyPayloadSignature(sigOf(sigKeyLogged), options({ publicKeyPem: otherKey })),
    ).rejects.toThrow(/signature verification failed/);
  });

  it('fail when the Rekor bundle logs another signature or an attestation (moved annotations)', async () => {
    const another = await sigLayer(
      new KeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'other'),
      stack.rekorUrl,
    );
    const moved = await rejectionOf(
      verifyPayloadSignature(
        sigOf(sigKeyLogged, {
          annotations: {
            ...sigKeyLogged.annotations,
            [REKOR_BUNDLE_ANNOTATION]: another.annotations[REKOR_BUNDLE_ANNOTATION]!,
          },
        }),
        options({ publicKeyPem: keyPem }),
      ),
    );
    expect(moved.message).toContain('signature mismatch');
    const attestationEntry = await rejectionOf(
      verifyPayloadSignature(
        sigOf(sigKeyLogged, {
          annotations: {
            ...sigKeyLogged.annotations,
            [REKOR_BUNDLE_ANNOTATION]: rekorBundleAnnotation(keyLogged.tlogEntry!),
          },
        }),
        options({ publicKeyPem: keyPem }),
      ),
    );
    expect(attestationEntry.code).toBe('VERIFY_FAILED');
  });

  it('require a log entry unless --insecure-ignore-tlog', async () => {
    const error = await rejectionOf(
      verifyPayloadSignature(sigOf(sigKeyUnlogged), options({ publicKeyPem: keyPem })),
    );
    expect(error.message).toContain('sig layer has no transparency-log entry (dev.sigstore.cosign/bundle)');
    const result = await verifyPayloadSignature(
      sigOf(sigKeyUnlogged),
      options({ publicKeyPem: keyPem, ignoreTlog: true }),
    );
    expect(result).toEqual({ kind: 'key' });
  });

  it('verify keyless with the identity and the log entry; refuse another identity', async () => {
    const result = await verifyPayloadSignature(
      sigOf(sigKeylessLogged),
      options({ identity: { identity: SAN, oidcIssuer: stack.issuer } }),
    );
    expect(result.identity?.subjectAlternativeName).toBe(SAN);
    expect(result.tlog?.logIndex).toBeTypeOf('number');
    const error = await rejectionOf(
      verifyPayloadSignature(
        sigOf(sigKeylessLogged),
        options({ identity: { identity: `${SAN}-other`, oidcIssuer: stack.issuer } }),
      ),
    );
    expect(error.message).toContain(`the certificate identity is ${SAN}`);
  });
});

describe('sigstore bundles (referrer encoding)', () => {
  it('verify keyless and key-signed bundles', async () => {
    const keyless = await verifySignatureMaterial(
      materialFromSigstoreBundle(keylessLogged.sigstoreBundle, 'bundle'),
      options({ identity: { identity: SAN, oidcIssuer: stack.issuer } }),
    );
    expect(keyless.identity?.subjectAlternativeName).toBe(SAN);
    const key = await verifySignatureMaterial(
      materialFromSigstoreBundle(keyLogged.sigstoreBundle, 'bundle'),
      options({ publicKeyPem: keyLogged.publicKeyPem }),
    );
    expect(key.tlog?.logIndex).toBe(keyLogged.tlogEntry?.logIndex);
  });
});
