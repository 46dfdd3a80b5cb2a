import { AttestError, reasonOf } from '../errors.js';
import type { RegistryClient } from '../oci/client.js';
import {
  type Descriptor,
  fallbackTag,
  type ImageManifest,
  parseJson,
  type RepositoryRef,
} from '../oci/types.js';
import {
  materialFromLayer,
  materialFromSignatureLayer,
  materialFromSigstoreBundle,
  type PayloadSignatureMaterial,
  SIGNATURE_ANNOTATION,
  type SignatureMaterial,
} from './sigstore.js';

/**
 * Reads what is stored for an image digest, straight from the registry and without the storage code:
 * `.att` layers, sigstore bundles among the referrers, `.sig` layers. Anything unreadable is returned with
 * its reason, so `verify` can say why each one failed.
 *
 * verify/ is independent of the writers, on purpose: it declares the layout it reads (media types,
 * annotation names) itself, from cosign's and sigstore's specifications, and imports nothing from storage/.
 * Sharing the writers' constants would make it agree with a writer's mistake; declared apart, a wrong name
 * on either side fails the tests that verify what attest wrote, as cosign would fail. What it shares is
 * signing's cryptography and codecs (DSSE PAE and parsing, keys, certificates, Rekor entries): formats both
 * sides must compute identically, each checked against cosign and sigstore-js in its own tests.
 */

const DSSE_LAYER = 'application/vnd.dsse.envelope.v1+json';
const SIMPLESIGNING_LAYER = 'application/vnd.dev.cosign.simplesigning.v1+json';
const BUNDLE_PREFIX = 'application/vnd.dev.sigstore.bundle';
const BUNDLE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';

export type Layout = 'tag' | 'bundle';

/** One stored DSSE signature: readable (`material`) or not (`error`). */
export interface StoredEnvelope {
  source: string;
  layout: Layout;
  /** The predicate type the storage annotated, if any (bundles always have one). */
  annotatedPredicateType?: string;
  material?: SignatureMaterial;
  error?: string;
}

/** One `.sig` layer: readable (the simple-signing payload, its signature, certificate, Rekor entry) or not. */
export interface StoredImageSignature {
  source: string;
  material?: PayloadSignatureMaterial;
  error?: string;
}

function where(repo: RepositoryRef, rest: string): string {
  return `${repo.registry}/${repo.repository}${rest}`;
}

async function tagLayers(client: RegistryClient, repo: RepositoryRef, tag: string): Promise<Descriptor[]> {
  const found = await client.getManifest(repo, tag);
  if (!found) return [];
  const manifest = parseJson<ImageManifest>(found.bytes, where(repo, `:${tag}`));
  if (!Array.isArray(manifest.layers)) {
    throw new AttestError('VERIFY_FAILED', `${where(repo, `:${tag}`)} is not an image manifest`);
  }
  return manifest.layers;
}

/** `.att` layers in the cosign tag layout. */
export async function readTagAttestations(
  client: RegistryClient,
  repo: RepositoryRef,
  digest: string,
): Promise<StoredEnvelope[]> {
  const tag = `${fallbackTag(digest)}.att`;
  const layers = await tagLayers(client, repo, tag);
  return Promise.all(
    layers.map(async (layer, i): Promise<StoredEnvelope> => {
      const source = where(repo, `:${tag} layer ${i + 1} (${layer.digest.slice(0, 19)})`);
      const stored: StoredEnvelope = { source, layout: 'tag' };
      const annotated = layer.annotations?.predicateType;
      if (annotated) stored.annotatedPredicateType = annotated;
      if (layer.mediaType !== DSSE_LAYER)
        return { ...stored, error: `media type ${layer.mediaType} is not ${DSSE_LAYER}` };
      if (layer.annotations?.[SIGNATURE_ANNOTATION] === undefined) {
        return { ...stored, error: `no ${SIGNATURE_ANNOTATION} annotation (cosign rejects the layer)` };
      }
      try {
        const blob = await client.getBlob(repo, layer.digest);
        return { ...stored, material: materialFromLayer(blob, layer.annotations, source) };
      } catch (error) {
        return { ...stored, error: reasonOf(error) };
      }
    }),
  );
}

/** Sigstore bundles among the image's referrers (referrers API, or the `sha256-<hex>` fallback index). */
export async function readBundles(
  client: RegistryClient,
  repo: RepositoryRef,
  digest: string,
): Promise<StoredEnvelope[]> {
  const { descriptors } = await client.referrers(repo, digest);
  const found: StoredEnvelope[] = [];
  for (const descriptor of descriptors) {
    if (descriptor.artifactType && !descriptor.artifactType.startsWith(BUNDLE_PREFIX)) continue;
    const source = where(repo, `@${descriptor.digest}`);
    try {
      const fetched = await client.getManifest(repo, descriptor.digest);
      if (!fetched) throw new AttestError('VERIFY_FAILED', 'the referrer manifest is gone');
      const manifest = parseJson<ImageManifest>(fetched.bytes, source);
      const layer = manifest.layers?.[0];
      if (manifest.layers?.length !== 1 || !layer?.mediaType.startsWith(BUNDLE_PREFIX)) continue;
      const stored: StoredEnvelope = { source, layout: 'bundle' };
      const annotated = manifest.annotations?.[BUNDLE_PREDICATE_ANNOTATION];
      if (annotated) stored.annotatedPredicateType = annotated;
      const json = parseJson<unknown>(await client.getBlob(repo, layer.digest), `${source} bundle`);
      found.push({ ...stored, material: materialFromSigstoreBundle(json, source) });
    } catch (error) {
      found.push({ source, layout: 'bundle', error: reasonOf(error) });
    }
  }
  return found;
}

/** `.sig` layers in the cosign tag layout. */
export async function readImageSignatures(
  client: RegistryClient,
  repo: RepositoryRef,
  digest: string,
): Promise<StoredImageSignature[]> {
  const tag = `${fallbackTag(digest)}.sig`;
  const layers = await tagLayers(client, repo, tag);
  return Promise.all(
    layers.map(async (layer, i): Promise<StoredImageSignature> => {
      const source = where(repo, `:${tag} layer ${i + 1} (${layer.digest.slice(0, 19)})`);
      if (layer.mediaType !== SIMPLESIGNING_LAYER) return { source, error: `media type ${layer.mediaType}` };
      if (!layer.annotations?.[SIGNATURE_ANNOTATION]) {
        return { source, error: `no ${SIGNATURE_ANNOTATION} annotation` };
      }
      try {
        const blob = await client.getBlob(repo, layer.digest);
        return { source, material: materialFromSignatureLayer(blob, layer.annotations, source) };
      } catch (error) {
        return { source, error: reasonOf(error) };
      }
    }),
  );
}

/**
 * The output of `cosign download attestation` (one DSSE envelope JSON per line) as signature material,
 * so attestations fetched by cosign can be checked with the same code.
 */
export function parseDownloadedAttestations(
  text: string,
  origin = 'cosign download attestation',
): SignatureMaterial[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line, i) => materialFromLayer(line, {}, `${origin} line ${i + 1}`));
}
