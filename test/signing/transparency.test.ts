// logEnvelope against the test Rekor over real HTTP; the resulting sigstore bundle is checked with
// sigstore's own verifier (@sigstore/verify) against the test trusted root.
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundleFromJSON } from '@sigstore/bundle';
import { crypto as sigstoreCrypto } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAttestation } from '../../src/commands/sign.js';
import type { Statement } from '../../src/provenance/statement.js';
import { tokenSource } from '../../src/signing/identity-token.js';
import { KeySigner } from '../../src/signing/key-signer.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import { parseRekorBundleAnnotation, rekorBundleAnnotation } from '../../src/signing/rekor-bundle.js';
import { publicKeyHint } from '../../src/signing/sigstore-bundle.js';
import {
  logEnvelope,
  logPayloadSignature,
  type PayloadSignature,
  TRANSPARENCY_UPLOAD_ANNOTATION,
  transparencyWanted,
} from '../../src/signing/transparency.js';
import type { SignedAttestation } from '../../src/storage/backend.js';
import { rejectionOf } from '../harness/attest-error.js';
import { type SigstoreStack, startSigstore } from '../harness/sigstore.js';

const statement: Statement = {
  _type: 'https://in-toto.io/Statement/v0.1',
  subject: [{ name: 'registry.example/app', digest: { sha256: 'b'.repeat(64) } }],
  predicateType: 'https://slsa.dev/provenance/v0.2',
  predicate: { builder: { id: 'https://tekton.dev/chains/v2' } },
};
const payload = Buffer.from(JSON.stringify(statement));

let stack: SigstoreStack;
beforeAll(async () => {
  stack = await startSigstore();
});
afterAll(async () => {
  await stack?.stop();
});

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

function keySigned(): Promise<SignedAttestation> {
  return signAttestation(
    statement,
    new KeySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'test'),
    payload,
  );
}

async function keylessSigned(): Promise<SignedAttestation> {
  const path = stack.writeToken({ namespace: 'builds', serviceAccount: 'pipeline' });
  const signer = new KeylessSigner({
    fulcioUrl: stack.fulcioUrl,
    tokenSource: tokenSource(path, '/none', {}),
  });
  return signAttestation(statement, signer, payload);
}

function sigstoreVerifier(keys: Record<string, string> = {}): Verifier {
  const root = TrustedRoot.fromJSON(stack.trustedRoot);
  const material = toTrustMaterial(root, (hint) => {
    const pem = keys[hint];
    if (!pem) throw new Error(`no key for hint ${hint}`);
    return { publicKey: sigstoreCrypto.createPublicKey(pem), validFor: () => true };
  });
  return new Verifier(material, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
}

describe('logEnvelope', () => {
  it('logs a dsse entry whose envelope is byte-identical to the stored envelope (key-signed)', async () => {
    const signed = await keySigned();
    const logged = await logEnvelope(signed, stack.rekorUrl);
    const entry = stack.entries.at(-1);
    const proposed = entry?.proposed as {
      kind: string;
      apiVersion: string;
      spec: { proposedContent: { envelope: string; verifiers: string[] } };
    };
    expect(proposed.kind).toBe('dsse');
    expect(proposed.apiVersion).toBe('0.0.1');
    expect(proposed.spec.proposedContent.envelope).toBe(signed.envelopeJson);
    expect(Buffer.from(proposed.spec.proposedContent.verifiers[0] ?? '', 'base64').toString()).toBe(
      signed.publicKeyPem,
    );

    const tlog = logged.tlogEntry;
    expect(tlog?.logIndex).toBe(entry?.logIndex);
    expect(tlog?.url).toBe(`${stack.rekorUrl}/api/v1/log/entries?logIndex=${entry?.logIndex}`);
    const body = JSON.parse(Buffer.from(tlog?.body ?? '', 'base64').toString()) as {
      spec: { envelopeHash: { value: string } };
    };
    expect(body.spec.envelopeHash.value).toBe(sha256(signed.envelopeJson));
    // The entry the URL points at is the one that was logged.
    const fetched = (await (await fetch(tlog?.url ?? '')).json()) as Record<string, { body: string }>;
    expect(Object.values(fetched)[0]?.body).toBe(tlog?.body);

    // The signed entry timestamp verifies with the log's key over the canonical {body,integratedTime,logID,logIndex}.
    const setPayload = JSON.stringify({
      body: tlog?.body,
      integratedTime: tlog?.integratedTime,
      logID: tlog?.logId,
      logIndex: tlog?.logIndex,
    });
    expect(
      verify(
        'sha256',
        Buffer.from(setPayload),
        createPublicKey(stack.rekorPublicKeyPem),
        Buffer.from(tlog?.signedEntryTimestamp ?? '', 'base64'),
      ),
    ).toBe(true);
    expect(logged.envelopeJson).toBe(signed.envelopeJson);
  });

  it('builds a v0.3 sigstore bundle that @sigstore/verify accepts (key-signed)', async () => {
    const logged = await logEnvelope(await keySigned(), stack.rekorUrl);
    const bundle = logged.sigstoreBundle as {
      mediaType: string;
      verificationMaterial: { publicKey: { hint: string } };
    };
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    const hint = publicKeyHint(logged.publicKeyPem);
    expect(bundle.verificationMaterial.publicKey.hint).toBe(hint);
    const entity = toSignedEntity(bundleFromJSON(bundle));
    expect(() => sigstoreVerifier({ [hint]: logged.publicKeyPem }).verify(entity)).not.toThrow();
    // The same bundle does not verify for a different key.
    const other = String(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }),
    );
    expect(() => sigstoreVerifier({ [hint]: other }).verify(entity)).toThrow(/signature/);
  });

  it('logs a keyless attestation with the certificate as verifier; the bundle verifies with the identity', async () => {
    const signed = await keylessSigned();
    const logged = await logEnvelope(signed, stack.rekorUrl);
    const proposed = stack.entries.at(-1)?.proposed as { spec: { proposedContent: { verifiers: string[] } } };
    expect(Buffer.from(proposed.spec.proposedContent.verifiers[0] ?? '', 'base64').toString()).toBe(
      signed.certificatePem,
    );
    const entity = toSignedEntity(bundleFromJSON(logged.sigstoreBundle));
    const signer = sigstoreVerifier().verify(entity);
    expect(signer.identity?.subjectAlternativeName).toBe(
      'https://kubernetes.io/namespaces/builds/serviceaccounts/pipeline',
    );
    expect(signer.identity?.extensions?.issuer).toBe(stack.issuer);
  });

  it('gives cosign the bundle annotation in its shape', async () => {
    const logged = await logEnvelope(await keySigned(), stack.rekorUrl);
    const tlog = logged.tlogEntry;
    expect(JSON.parse(rekorBundleAnnotation(tlog!))).toEqual({
      SignedEntryTimestamp: tlog?.signedEntryTimestamp,
      Payload: {
        body: tlog?.body,
        integratedTime: tlog?.integratedTime,
        logIndex: tlog?.logIndex,
        logID: tlog?.logId,
      },
    });
    const { url: _url, inclusionProof: _proof, ...rest } = tlog!;
    expect(parseRekorBundleAnnotation(rekorBundleAnnotation(tlog!), 'layer')).toEqual({ ...rest, url: '' });
    expect(() => parseRekorBundleAnnotation('{"Payload":{}}', 'layer 0')).toThrow(
      /annotation of layer 0 is malformed/,
    );
  });

  it('retries Rekor 5xx and then logs once', async () => {
    const signed = await keySigned();
    const before = { requests: stack.requests.rekor, entries: stack.entries.length };
    stack.failNext('rekor', 2, 500);
    const logged = await logEnvelope(signed, stack.rekorUrl);
    expect(stack.requests.rekor - before.requests).toBe(3);
    expect(stack.entries.length - before.entries).toBe(1);
    expect(logged.tlogEntry?.logIndex).toBe(stack.entries.at(-1)?.logIndex);
  });

  it('takes the existing entry when Rekor answers 409 (a request retried after a lost answer)', async () => {
    const signed = await keySigned();
    const first = await logEnvelope(signed, stack.rekorUrl);
    const again = await logEnvelope(signed, stack.rekorUrl);
    expect(again.tlogEntry?.logIndex).toBe(first.tlogEntry?.logIndex);
  });

  it('fails with the URL when Rekor stays down or keeps failing; nothing comes back half-logged', async () => {
    const signed = await keySigned();
    const down = await rejectionOf(logEnvelope(signed, stack.deadUrl));
    expect(down.code).toBe('TRANSPARENCY');
    expect(down.message).toContain(`Rekor at ${stack.deadUrl} unreachable after 4 attempts`);
    stack.failNext('rekor', 10, 502);
    try {
      const failing = await rejectionOf(logEnvelope(signed, stack.rekorUrl));
      expect(failing.message).toContain(`Rekor at ${stack.rekorUrl} kept failing after 4 attempts (HTTP 502`);
    } finally {
      stack.failNext('rekor', 0);
    }
    expect(signed.tlogEntry).toBeUndefined();
  });

  it('reports a rejected entry (a signature that does not verify) without retrying', async () => {
    const signed = await keySigned();
    const tampered = { ...signed, publicKeyPem: (await keySigned()).publicKeyPem };
    const before = stack.requests.rekor;
    const error = await rejectionOf(logEnvelope(tampered, stack.rekorUrl));
    expect(error.message).toContain(`Rekor at ${stack.rekorUrl} answered HTTP 400`);
    expect(stack.requests.rekor - before).toBe(1);
  });
});

/** A `.sig` payload signed with a fresh key, as the oci backend hands it to Rekor. */
function imageSignature(): PayloadSignature {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const payload = Buffer.from(
    '{"critical":{"identity":{"docker-reference":"registry.example/app"},"image":{"docker-manifest-digest":"sha256:' +
      'b'.repeat(64) +
      '"},"type":"cosign container image signature"},"optional":null}',
  );
  return {
    payload,
    signature: sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' }).toString('base64'),
    verifierPem: String(publicKey.export({ format: 'pem', type: 'spki' })),
  };
}

describe('logPayloadSignature (image signatures)', () => {
  it('logs a hashedrekord entry of sha256(payload), the signature and the verifier, as cosign sign does', async () => {
    const signed = imageSignature();
    const tlog = await logPayloadSignature(signed, stack.rekorUrl);
    const entry = stack.entries.at(-1);
    expect(entry?.proposed).toEqual({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: sha256(signed.payload) } },
        signature: {
          content: signed.signature,
          publicKey: { content: Buffer.from(signed.verifierPem).toString('base64') },
        },
      },
    });
    expect(tlog.logIndex).toBe(entry?.logIndex);
    expect(tlog.url).toBe(`${stack.rekorUrl}/api/v1/log/entries?logIndex=${entry?.logIndex}`);
    const setPayload = JSON.stringify({
      body: tlog.body,
      integratedTime: tlog.integratedTime,
      logID: tlog.logId,
      logIndex: tlog.logIndex,
    });
    expect(
      verify(
        'sha256',
        Buffer.from(setPayload),
        createPublicKey(stack.rekorPublicKeyPem),
        Buffer.from(tlog.signedEntryTimestamp, 'base64'),
      ),
    ).toBe(true);
  });

  it('reports a refused entry (a signature that does not verify) with the URL, without retrying', async () => {
    const signed = { ...imageSignature(), verifierPem: imageSignature().verifierPem };
    const before = stack.requests.rekor;
    const error = await rejectionOf(logPayloadSignature(signed, stack.rekorUrl));
    expect(error.code).toBe('TRANSPARENCY');
    expect(error.message).toContain(`Rekor at ${stack.rekorUrl} answered HTTP 400`);
    expect(stack.requests.rekor - before).toBe(1);
  });

  it('fails with the URL when Rekor is down', async () => {
    const error = await rejectionOf(logPayloadSignature(imageSignature(), stack.deadUrl));
    expect(error.message).toContain(`Rekor at ${stack.deadUrl} unreachable after 4 attempts`);
  });

  it.each([
    {
      answer: 'an entry of another digest',
      body: (s: PayloadSignature) => ({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: 'a'.repeat(64) } },
          signature: { content: s.signature },
        },
      }),
      says: 'does not hash the signed payload',
    },
    {
      answer: 'an entry of another signature',
      body: (s: PayloadSignature) => ({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: sha256(s.payload) } },
          signature: { content: imageSignature().signature },
        },
      }),
      says: 'does not carry the image signature',
    },
    {
      answer: 'a dsse entry',
      body: () => ({ apiVersion: '0.0.1', kind: 'dsse', spec: {} }),
      says: 'is a dsse 0.0.1 entry, not hashedrekord 0.0.1',
    },
  ])('refuses a log answering with $answer (cosign would reject the layer)', async ({ body, says }) => {
    const signed = imageSignature();
    // A log that answers 201 with a body of its own making.
    const server = createServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          abc: {
            body: Buffer.from(JSON.stringify(body(signed))).toString('base64'),
            integratedTime: 1,
            logID: 'ff',
            logIndex: 1,
            verification: { signedEntryTimestamp: 'AAAA' },
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const error = await rejectionOf(logPayloadSignature(signed, url));
      expect(error.code).toBe('TRANSPARENCY');
      expect(error.message).toContain(`Rekor at ${url} answered with an entry that ${says}`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('a log that stores the proposed entry instead of canonicalizing it (the bare mock)', () => {
  let bare: SigstoreStack;
  beforeAll(async () => {
    bare = await startSigstore({ rekorStoresProposed: true });
  });
  afterAll(async () => {
    await bare?.stop();
  });

  it('is refused, because cosign could not match the entry to the layer', async () => {
    const error = await rejectionOf(logEnvelope(await keySigned(), bare.rekorUrl));
    expect(error.code).toBe('TRANSPARENCY');
    expect(error.message).toContain('does not hash the stored envelope bytes');
  });
});

describe('transparency modes', () => {
  it('manual logs only runs annotated for upload', () => {
    expect(transparencyWanted('true', undefined)).toBe(true);
    expect(transparencyWanted('false', { [TRANSPARENCY_UPLOAD_ANNOTATION]: 'true' })).toBe(false);
    expect(transparencyWanted('manual', { [TRANSPARENCY_UPLOAD_ANNOTATION]: 'true' })).toBe(true);
    expect(transparencyWanted('manual', { [TRANSPARENCY_UPLOAD_ANNOTATION]: 'false' })).toBe(false);
    expect(transparencyWanted('manual', {})).toBe(false);
  });
});
