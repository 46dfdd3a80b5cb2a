import { createHash } from 'node:crypto';
import { AttestError } from '../errors.js';
import type { ImageReference } from './reference.js';

/** What travels over the OCI distribution API: media types, descriptors, manifests, and digests of bytes. */

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

/** A repository on a registry: `registry` is host[:port], `repository` the path (`library/alpine`). */
export type RepositoryRef = Pick<ImageReference, 'registry' | 'repository'>;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** An image manifest (OCI or Docker schema 2). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An OCI image index (or Docker manifest list). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  /** The exact bytes the registry holds (what the digest covers). */
  bytes: Buffer;
}

export interface PutManifestResult {
  digest: string;
  /** The registry answered `OCI-Subject`: it indexes the manifest's subject in its referrers API. */
  subjectIndexed: boolean;
}

export interface ReferrersResult {
  descriptors: Descriptor[];
  /** `api` when the registry has the referrers API, `tag` when the fallback `sha256-<hex>` index was read. */
  source: 'api' | 'tag';
}

/** `sha256:<hex>` of bytes. */
export function digestOf(data: Uint8Array, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export function isDigest(reference: string): boolean {
  return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(reference) && reference.includes(':');
}

export function algorithmOf(reference: string): string | undefined {
  if (!isDigest(reference)) return undefined;
  const algorithm = reference.slice(0, reference.indexOf(':'));
  return algorithm === 'sha256' || algorithm === 'sha512' ? algorithm : undefined;
}

/** The tag cosign and the OCI referrers fallback derive from a digest: `sha256:<hex>` -> `sha256-<hex>`. */
export function fallbackTag(digest: string): string {
  return digest.replace(':', '-');
}

export function parseJson<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch (error) {
    throw new AttestError('REGISTRY', `${what} is not valid JSON: ${(error as Error).message}`, {
      hint: 'the registry holds a corrupt manifest at this tag; delete the tag and run again',
    });
  }
}
