import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { parse } from 'yaml';
import { AttestError } from '../errors.js';
import { BUNDLE_ANNOTATIONS, MAX_BUNDLE_OBJECTS } from './build.js';

/**
 * Reads a Tekton Bundle the way the bundles resolver does (tektoncd/pipeline
 * pkg/resolution/resolver/bundle): check every layer's annotations, then take the first tar entry of the
 * layer whose kind and name match (or the whole layer when it is not a tar). Pure: the caller fetches blobs.
 */

export interface BundleEntry {
  kind: string;
  name: string;
  apiVersion: string;
  /** The layer holding the object. */
  digest: string;
}

interface LayerDescriptor {
  digest: string;
  mediaType?: string;
  annotations?: Record<string, string>;
}

/** The entries of a bundle's manifest, after the resolver's compliance checks. */
export function bundleEntries(manifestBytes: Uint8Array, ref: string): BundleEntry[] {
  let manifest: { layers?: LayerDescriptor[]; manifests?: unknown[] };
  try {
    manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8'));
  } catch (error) {
    throw notABundle(ref, `its manifest is not JSON (${(error as Error).message})`);
  }
  if (Array.isArray(manifest.manifests)) {
    throw notABundle(ref, 'it is an image index, not an image manifest');
  }
  const layers = manifest.layers ?? [];
  if (layers.length > MAX_BUNDLE_OBJECTS) {
    throw notABundle(
      ref,
      `it has ${layers.length} layers, more than the maximum ${MAX_BUNDLE_OBJECTS} objects`,
    );
  }
  return layers.map((layer, i) => {
    const annotations = layer.annotations ?? {};
    for (const key of [BUNDLE_ANNOTATIONS.apiVersion, BUNDLE_ANNOTATIONS.name, BUNDLE_ANNOTATIONS.kind]) {
      if (annotations[key] === undefined) throw notABundle(ref, `layer ${i} has no ${key} annotation`);
    }
    const kind = annotations[BUNDLE_ANNOTATIONS.kind] ?? '';
    if (kind.toLowerCase().replace(/s$/, '') !== kind) {
      throw notABundle(
        ref,
        `layer ${i}: ${BUNDLE_ANNOTATIONS.kind} must be lowercase and singular, found ${kind}`,
      );
    }
    return {
      kind,
      name: annotations[BUNDLE_ANNOTATIONS.name] ?? '',
      apiVersion: annotations[BUNDLE_ANNOTATIONS.apiVersion] ?? '',
      digest: layer.digest,
    };
  });
}

/** The object a layer holds: the first tar entry, or the whole (uncompressed) layer when it is no tar. */
export async function bundleObject(layerBlob: Buffer, entry: BundleEntry): Promise<unknown> {
  const raw = isGzip(layerBlob) ? gunzipSync(layerBlob) : layerBlob;
  const content = (await firstTarEntry(raw)) ?? raw;
  try {
    return parse(content.toString('utf8'));
  } catch (error) {
    throw new AttestError(
      'INVALID_INPUT',
      `${entry.kind} ${entry.name} (layer ${entry.digest}) is not a JSON or YAML object: ${(error as Error).message}`,
      { hint: 'the bundle was not written by tkn bundle push or tekton-attest bundle push; republish it' },
    );
  }
}

async function firstTarEntry(data: Buffer): Promise<Buffer | undefined> {
  // A tar starts with a 512-byte header block carrying the ustar magic at offset 257.
  if (data.length < 512 || !data.subarray(257, 262).equals(Buffer.from('ustar'))) return undefined;
  const reader = extract();
  Readable.from([data]).pipe(reader);
  for await (const file of reader) {
    const chunks: Buffer[] = [];
    for await (const chunk of file) chunks.push(chunk as Buffer);
    reader.destroy();
    return Buffer.concat(chunks);
  }
  return undefined;
}

function isGzip(data: Buffer): boolean {
  return data.length > 2 && data[0] === 0x1f && data[1] === 0x8b;
}

function notABundle(ref: string, why: string): AttestError {
  return new AttestError('INVALID_INPUT', `${ref} is not a valid Tekton Bundle: ${why}`, {
    hint: 'publish it with tekton-attest bundle push or tkn bundle push',
  });
}
