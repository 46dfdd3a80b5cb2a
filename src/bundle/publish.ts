import { AttestError } from '../errors.js';
import type { RegistryClient } from '../oci/client.js';
import { formatReference, type ImageReference } from '../oci/reference.js';
import type { RepositoryRef } from '../oci/types.js';
import { BUNDLE_MEDIA_TYPES, type BuiltBundle } from './build.js';
import { type BundleEntry, bundleEntries, bundleObject } from './read.js';

/** Registry side of bundles: push a built bundle, fetch one back. */

export interface PushedBundle {
  /** `registry/repository:tag@sha256:...` */
  reference: string;
  digest: string;
}

/** Pushes the layers, the config and the manifest (to the reference's tag, `latest` when it has none). */
export async function pushBundle(
  client: RegistryClient,
  ref: ImageReference,
  bundle: BuiltBundle,
): Promise<PushedBundle> {
  if (ref.digest) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      `bundle push ${formatReference(ref)}: name a tag, not a digest`,
      {
        hint: 'the digest is the result of the push; write REPOSITORY:TAG',
      },
    );
  }
  const repo: RepositoryRef = { registry: ref.registry, repository: ref.repository };
  const tag = ref.tag ?? 'latest';
  for (const layer of bundle.layers) await client.pushBlob(repo, layer.blob);
  await client.pushBlob(repo, bundle.config);
  const put = await client.putManifest(repo, tag, bundle.manifest, BUNDLE_MEDIA_TYPES.manifest);
  if (put.digest !== bundle.manifestDigest) {
    throw new AttestError(
      'REGISTRY',
      `${ref.registry} stored the bundle manifest as ${put.digest}, not ${bundle.manifestDigest}`,
      { hint: 'the registry rewrote the manifest; use a registry that stores manifests as pushed' },
    );
  }
  return { reference: `${formatReference({ ...ref, tag })}@${put.digest}`, digest: put.digest };
}

export interface FetchedBundle {
  digest: string;
  entries: BundleEntry[];
}

/** The manifest's entries, checked as the bundles resolver checks them. */
export async function fetchBundle(client: RegistryClient, ref: ImageReference): Promise<FetchedBundle> {
  const repo: RepositoryRef = { registry: ref.registry, repository: ref.repository };
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const manifest = await client.getManifest(repo, reference);
  if (!manifest) {
    throw new AttestError('NOT_FOUND', `bundle ${formatReference(ref)} does not exist`, {
      hint: 'check the repository and tag, and that the credentials may read it',
    });
  }
  return { digest: manifest.digest, entries: bundleEntries(manifest.bytes, formatReference(ref)) };
}

/** One object of a fetched bundle. */
export async function fetchBundleObject(
  client: RegistryClient,
  ref: ImageReference,
  entry: BundleEntry,
): Promise<unknown> {
  const blob = await client.getBlob({ registry: ref.registry, repository: ref.repository }, entry.digest);
  return bundleObject(blob, entry);
}
