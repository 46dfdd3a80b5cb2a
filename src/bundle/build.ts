import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { parseAllDocuments } from 'yaml';
import { AttestError } from '../errors.js';

/**
 * Tekton Bundles as `tkn bundle push` builds them (tektoncd/cli pkg/bundle): a Docker schema 2 image with one
 * gzip tar layer per object, the tar holding a single entry named after the object with its JSON, and layer
 * annotations the bundles resolver matches on. Pure: bytes in, bytes out; publish.ts pushes them.
 */

export const BUNDLE_ANNOTATIONS = {
  apiVersion: 'dev.tekton.image.apiVersion',
  kind: 'dev.tekton.image.kind',
  name: 'dev.tekton.image.name',
} as const;

/** The bundles resolver refuses images with more layers (tektoncd/pipeline MaximumBundleObjects). */
export const MAX_BUNDLE_OBJECTS = 20;

export const BUNDLE_MEDIA_TYPES = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Kinds the bundles resolver can hand out (`taskRef`/`pipelineRef`/`ref` with `resolver: bundles`). */
const BUNDLE_KINDS = new Set(['task', 'pipeline', 'stepaction']);
const TEKTON_GROUP = 'tekton.dev';

export interface BundleObject {
  /** Lowercase singular kind, as the `dev.tekton.image.kind` annotation carries it. */
  kind: string;
  name: string;
  /** The version only (`v1`), as tkn writes `dev.tekton.image.apiVersion`. */
  apiVersion: string;
  /** The object as compact JSON with sorted keys (what tkn's YAML-to-JSON conversion produces). */
  json: string;
}

export interface BundleLayer {
  descriptor: {
    mediaType: string;
    size: number;
    digest: string;
    annotations: Record<string, string>;
  };
  blob: Buffer;
}

export interface BuiltBundle {
  objects: BundleObject[];
  layers: BundleLayer[];
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
}

/**
 * The Tekton objects a bundle can carry from YAML/JSON text (one or many documents). Other objects
 * (ServiceAccounts, Roles, PipelineRuns) are not resolvable from a bundle and are left out; the caller
 * reports what was skipped.
 */
export function bundleObjectsFromYaml(
  text: string,
  origin: string,
): { objects: BundleObject[]; skipped: string[] } {
  const objects: BundleObject[] = [];
  const skipped: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new AttestError('INVALID_INPUT', `${origin} is not valid YAML: ${doc.errors[0]?.message}`, {
        hint: 'fix the YAML, or pass only Tekton Task/Pipeline/StepAction files',
      });
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const object = asRecord(value);
    const apiVersion = typeof object?.apiVersion === 'string' ? object.apiVersion : '';
    const kind = typeof object?.kind === 'string' ? object.kind : '';
    const [group, version] = apiVersion.split('/');
    if (!object || group !== TEKTON_GROUP || !version || !BUNDLE_KINDS.has(kind.toLowerCase())) {
      skipped.push(`${kind || 'an object without kind'} in ${origin}`);
      continue;
    }
    const name = asRecord(object.metadata)?.name;
    if (typeof name !== 'string' || name === '') {
      throw new AttestError('INVALID_INPUT', `${kind} in ${origin} has no metadata.name`, {
        hint: 'a bundle entry is found by name: give every object a metadata.name',
      });
    }
    objects.push({ kind: kind.toLowerCase(), name, apiVersion: version, json: canonicalJson(object) });
  }
  return { objects, skipped };
}

/** Builds the image; deterministic for the same objects and `created`. */
export async function buildBundle(input: BundleObject[], created: Date): Promise<BuiltBundle> {
  if (input.length === 0) {
    throw new AttestError('INVALID_INPUT', 'the bundle would be empty', {
      hint: 'pass at least one Tekton Task, Pipeline or StepAction',
    });
  }
  if (input.length > MAX_BUNDLE_OBJECTS) {
    throw new AttestError(
      'TOO_LARGE',
      `a bundle holds at most ${MAX_BUNDLE_OBJECTS} objects, this one would hold ${input.length}`,
      { hint: 'split the objects into several bundles' },
    );
  }
  // Layers in a stable order (kind, then name), so the same objects always give the same digest.
  const objects = [...input].sort((a, b) => compare(a.kind, b.kind) || compare(a.name, b.name));
  for (let i = 1; i < objects.length; i++) {
    const [previous, current] = [objects[i - 1], objects[i]];
    if (previous && current && previous.kind === current.kind && previous.name === current.name) {
      throw new AttestError(
        'INVALID_INPUT',
        `the bundle would hold two ${current.kind}s named ${current.name}`,
        {
          hint: 'the bundles resolver finds entries by kind and name: keep one of them',
        },
      );
    }
  }
  const layers: BundleLayer[] = [];
  const diffIds: string[] = [];
  for (const object of objects) {
    const tar = await tarOf(object.name, Buffer.from(object.json));
    diffIds.push(sha256(tar));
    const blob = gzipSync(tar);
    layers.push({
      descriptor: {
        mediaType: BUNDLE_MEDIA_TYPES.layer,
        size: blob.length,
        digest: sha256(blob),
        // Keys in Go's map order (sorted), as go-containerregistry marshals them.
        annotations: {
          [BUNDLE_ANNOTATIONS.apiVersion]: object.apiVersion,
          [BUNDLE_ANNOTATIONS.kind]: object.kind,
          [BUNDLE_ANNOTATIONS.name]: object.name,
        },
      },
      blob,
    });
  }
  // The image config go-containerregistry writes for empty.Image + Append + CreatedAt.
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      history: objects.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: diffIds },
      config: {},
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: BUNDLE_MEDIA_TYPES.manifest,
      config: { mediaType: BUNDLE_MEDIA_TYPES.config, size: config.length, digest: configDigest },
      layers: layers.map((l) => l.descriptor),
    }),
  );
  return { objects, layers, config, configDigest, manifest, manifestDigest: sha256(manifest) };
}

/** `SOURCE_DATE_EPOCH` (seconds) when set, else the Unix epoch: a bundle's digest never depends on the clock. */
export function bundleCreatedTime(env: NodeJS.ProcessEnv = process.env): Date {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return new Date(0);
  if (!/^\d+$/.test(raw)) {
    throw new AttestError('INVALID_ARGUMENT', `SOURCE_DATE_EPOCH=${raw} is not a number of seconds`, {
      hint: 'set it to a Unix timestamp, e.g. $(git log -1 --format=%ct), or unset it',
    });
  }
  return new Date(Number(raw) * 1000);
}

/** A tar with one regular file, header fields as Go's archive/tar writes them for tkn (mode 0600, zero times). */
async function tarOf(name: string, content: Buffer): Promise<Buffer> {
  const archive = pack();
  archive.entry(
    { name, size: content.length, mode: 0o600, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' },
    content,
  );
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON with object keys sorted at every level, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    const record = asRecord(v);
    if (!record || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.keys(record)
        .sort(compare)
        .map((k) => [k, record[k]]),
    );
  });
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Byte-order comparison (Go's sort on strings), independent of the locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
