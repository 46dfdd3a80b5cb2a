// Image signatures before storing: the oci backend is asked (read-only) whether an equivalent signature is
// stored, and only when not is the image signed and logged. A real registry and the test Rekor.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagesToStore } from '../../src/commands/image-signatures.js';
import { AttestError } from '../../src/errors.js';
import { RegistryClient } from '../../src/oci/client.js';
import { KeySigner } from '../../src/signing/key-signer.js';
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
import { pushTestImage } from '../harness/registry-http.js';
import { type SigstoreStack, startSigstore } from '../harness/sigstore.js';

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

describe.each([
  { encoding: 'tag', storage: () => new OciTagStorage({ client }), kind: 'hashedrekord' },
  { encoding: 'sigstore-bundle', storage: () => new OciReferrerStorage({ client }), kind: 'dsse' },
])('$encoding encoding', ({ encoding, storage, kind }) => {
  it('a logged re-run signs, logs and writes no new image signature', async () => {
    const repository = `team/rerun-${encoding}`;
    const image = await pushTestImage({ url: registry.url }, repository);
    const statement = provenance([imageSubject(registry.host, repository, image.digest)]);
    const attestation = await logEnvelope(await signed(statement, key), sigstore.rekorUrl);
    const before = sigstore.entries.length;
    const first = (await storeWithImageSignatures(storage(), attestation, key.signer, sigstore.rekorUrl))
      .signatures;
    expect(first.ok, first.detail).toBe(true);
    expect(sigstore.entries.slice(before).map((e) => e.body.kind)).toEqual([kind]);

    const again = (await storeWithImageSignatures(storage(), attestation, key.signer, sigstore.rekorUrl))
      .signatures;
    expect(again.ok, again.detail).toBe(true);
    expect(again.locations).toEqual(first.locations);
    expect(again.detail).toMatch(
      /already (holds this signature|has this https:\/\/sigstore.dev\/cosign\/sign\/v1)/,
    );
    expect(sigstore.entries.length - before).toBe(1);
  });
});

describe('imagesToStore: which images get signatures, decided before anything is logged', () => {
  const images = [imageSubject('registry.example', 'team/app', `sha256:${'a'.repeat(64)}`)];
  const ed25519 = new KeySigner(generateKeyPairSync('ed25519').privateKey, 'ed25519 test key');
  const rekor = 'https://rekor.example';

  it('every image unless turned off; with or without the log for keys Rekor can log', () => {
    expect(imagesToStore('off', images, key.signer, rekor)).toEqual({ images: [] });
    for (const mode of ['default', 'requested'] as const) {
      expect(imagesToStore(mode, images, key.signer, rekor)).toEqual({ images });
      expect(imagesToStore(mode, images, ed25519, undefined)).toEqual({ images });
    }
  });

  it('by default, an Ed25519 key with the log skips them, saying why and how in a storage outcome', () => {
    const { images: signed, skipped } = imagesToStore('default', images, ed25519, rekor);
    expect(signed).toEqual([]);
    expect(skipped).toMatchObject({ backend: 'oci', artifact: 'image signatures', ok: true, locations: [] });
    expect(skipped?.detail).toContain('skipped for 1 image: an Ed25519 key cannot have image signatures');
    expect(skipped?.detail).toContain('--sign-images=false');
  });

  it('asked for explicitly, an Ed25519 key with the log is an error before anything is logged', () => {
    let error: unknown;
    try {
      imagesToStore('requested', images, ed25519, rekor);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AttestError);
    expect((error as AttestError).code).toBe('TRANSPARENCY');
    expect((error as AttestError).hint).toContain('Nothing was logged or written');
  });
});
