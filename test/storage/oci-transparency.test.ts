// The oci backends with Rekor (the test Rekor of test/harness/sigstore.ts over HTTP), a real registry and
// the real cosign CLI: image signatures are logged when the attestation is, and a layer without a log
// entry does not stand in for a logged one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/oci/client.js';
import { logEnvelope } from '../../src/signing/transparency.js';
import { OciReferrerStorage } from '../../src/storage/oci-referrer.js';
import { OciTagStorage } from '../../src/storage/oci-tag.js';
import {
  imageSubject,
  provenance,
  signed,
  storeWithImageSignatures,
  testKey,
} from '../harness/attestations.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage, RegistryHttp } from '../harness/registry-http.js';
import { type SigstoreStack, startSigstore } from '../harness/sigstore.js';
import { runCosign } from '../peers/cosign.js';

const key = testKey();
let registry: TestRegistry;
let sigstore: SigstoreStack;
let client: RegistryClient;

beforeAll(async () => {
  [registry, sigstore] = await Promise.all([startRegistry(), startSigstore()]);
  client = new RegistryClient({ insecureRegistries: [registry.host] });
});
afterAll(async () => {
  await client?.close();
  await Promise.all([registry?.stop(), sigstore?.stop()]);
});

const BUNDLE = 'dev.sigstore.cosign/bundle';

async function layers(repository: string, tag: string): Promise<{ annotations?: Record<string, string> }[]> {
  const found = await new RegistryHttp({ url: registry.url }).manifest(repository, tag);
  return found ? (JSON.parse(found.bytes.toString('utf8')) as { layers: [] }).layers : [];
}

/** The fallback referrers index of an image (distribution 2.8 has no referrers API). */
async function referrers(repository: string, digest: string): Promise<unknown[]> {
  const found = await new RegistryHttp({ url: registry.url }).manifest(repository, digest.replace(':', '-'));
  return found ? (JSON.parse(found.bytes.toString('utf8')) as { manifests: [] }).manifests : [];
}

const strict = () => ['--key', key.publicKeyFile, '--trusted-root', sigstore.trustedRootPath];

describe('tag layout', () => {
  it('an unlogged .att or .sig does not stand in for a logged one; a logged one does', async () => {
    const repository = 'team/relogged';
    const image = await pushTestImage({ url: registry.url }, repository);
    const statement = provenance([imageSubject(registry.host, repository, image.digest)]);
    const storage = new OciTagStorage({ client });
    const unlogged = await storeWithImageSignatures(storage, await signed(statement, key), key.signer);
    expect([unlogged.attestation.ok, unlogged.signatures.ok]).toEqual([true, true]);

    const attestation = await logEnvelope(await signed(statement, key), sigstore.rekorUrl);
    const outcome = await storeWithImageSignatures(storage, attestation, key.signer, sigstore.rekorUrl);
    for (const written of [outcome.attestation, outcome.signatures]) {
      expect(written.ok, written.detail).toBe(true);
      expect(written.detail).toBeUndefined();
    }
    const tag = (kind: string) => `${image.digest.replace(':', '-')}.${kind}`;
    for (const kind of ['att', 'sig']) {
      const stored = await layers(repository, tag(kind));
      expect(stored.map((l) => l.annotations?.[BUNDLE] !== undefined)).toEqual([false, true]);
    }

    // Stored unlogged again: the logged layers stand in for it.
    const again = await storeWithImageSignatures(storage, await signed(statement, key), key.signer);
    expect(again.attestation.detail).toContain('already holds this attestation');
    expect(again.signatures.detail).toContain('already holds this signature');
    for (const kind of ['att', 'sig']) expect(await layers(repository, tag(kind))).toHaveLength(2);

    const ref = `${registry.host}/${repository}@${image.digest}`;
    const sig = await runCosign(['verify', ...strict(), '--allow-http-registry', ref]);
    expect(sig.stderr).toContain('Existence of the claims in the transparency log was verified offline');
    expect(sig.code, sig.stderr).toBe(0);
    const att = await runCosign([
      'verify-attestation',
      ...strict(),
      '--type',
      'slsaprovenance1',
      '--allow-http-registry',
      ref,
    ]);
    expect(att.code, att.stderr).toBe(0);
  });
});

describe('sigstore-bundle encoding (OCI 1.1 referrers)', () => {
  it('logs the image signature bundle (dsse) when the attestation is logged; cosign verifies it with the log', async () => {
    const repository = 'team/bundle-logged';
    const image = await pushTestImage({ url: registry.url }, repository);
    const statement = provenance([imageSubject(registry.host, repository, image.digest)]);
    const before = sigstore.entries.length;
    const attestation = await logEnvelope(await signed(statement, key), sigstore.rekorUrl);
    const storage = new OciReferrerStorage({ client });
    const outcome = await storeWithImageSignatures(storage, attestation, key.signer, sigstore.rekorUrl);
    for (const written of [outcome.attestation, outcome.signatures]) {
      expect(written.ok, written.detail).toBe(true);
      expect(written.locations).toHaveLength(1);
    }
    expect(sigstore.entries.slice(before).map((e) => e.body.kind)).toEqual(['dsse', 'dsse']);
    const ref = `${registry.host}/${repository}@${image.digest}`;
    const verified = await runCosign(['verify', ...strict(), '--allow-http-registry', ref]);
    expect(verified.stderr).toContain('Existence of the claims in the transparency log was verified offline');
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('Rekor refusing the image signature: its outcome fails naming Rekor and writes no signature; the attestation is stored', async () => {
    const repository = 'team/bundle-refused';
    const image = await pushTestImage({ url: registry.url }, repository);
    const statement = provenance([imageSubject(registry.host, repository, image.digest)]);
    const attestation = await logEnvelope(await signed(statement, key), sigstore.rekorUrl);
    const storage = new OciReferrerStorage({ client });
    sigstore.refuseKind('dsse', 400);
    let outcome: Awaited<ReturnType<typeof storeWithImageSignatures>>;
    try {
      outcome = await storeWithImageSignatures(storage, attestation, key.signer, sigstore.rekorUrl);
    } finally {
      sigstore.refuseKind(undefined);
    }
    expect(outcome.signatures.ok).toBe(false);
    expect(outcome.signatures.detail).toContain(`Rekor at ${sigstore.rekorUrl} answered HTTP 400`);
    expect(outcome.signatures.locations).toEqual([]);
    expect(outcome.attestation.ok, outcome.attestation.detail).toBe(true);
    const stored = (await referrers(repository, image.digest)) as { annotations?: Record<string, string> }[];
    expect(stored.map((d) => d.annotations?.['dev.sigstore.bundle.predicateType'])).toEqual([
      statement.predicateType,
    ]);
  });
});
