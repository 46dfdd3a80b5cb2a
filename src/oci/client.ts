import { createHash } from 'node:crypto';
import { AttestError } from '../errors.js';
import { isTransientStatus, sleep } from '../http/retry.js';
import { log } from '../log.js';
import { type Action, Authenticator, registryErrorText, type Scope } from './auth.js';
import { CredentialChain, type CredentialSource } from './docker-config.js';
import type { ImageReference } from './reference.js';
import {
  type HttpRequest,
  type HttpResponse,
  isRetryableError,
  Transport,
  type TransportOptions,
} from './transport.js';

/**
 * The OCI distribution API (https://github.com/opencontainers/distribution-spec): manifests, blobs, tags and
 * referrers, with the fallback tag schema for registries without a referrers API. The only code that talks to
 * registries.
 */

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerManifestList,
].join(', ');

/** Manifests beyond this are refused (the OCI spec's suggested limit). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 5 * 1024 * 1024;
/** Reads of a tag (each followed by at most one write) before giving up on concurrent writers. */
const MAX_TAG_ROUNDS = 200;

/** The shortest settle time: a concurrent writer may be slower than us when the registry is next door. */
const MIN_SETTLE_MS = 50;

/**
 * How long to wait after a write before looking for a concurrent writer that dropped our change. Such a
 * writer read the tag before our PUT landed, so its own PUT lands within its read-to-write window after ours;
 * writers of one registry see similar latencies, so four times our own window (never under MIN_SETTLE_MS).
 * Writing again adds jitter, so two writers that keep dropping each other's change fall out of step.
 */
function settleTime(window: number, writes: number): number {
  const settle = Math.max(MIN_SETTLE_MS, 4 * window);
  return writes > 1 ? settle * (1 + Math.random()) : settle;
}

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

/** What a read-modify-write of a tag wants: the new manifest, or nothing when `current` already suffices. */
export type TagMutation = (
  current: FetchedManifest | undefined,
) => Promise<{ bytes: Uint8Array; mediaType: string } | undefined>;

export interface RegistryClientOptions extends TransportOptions {
  /** Credential sources in lookup order (default: none, anonymous). */
  credentials?: CredentialSource[];
  /** Writes of one tag update before giving up on concurrent writers (default 15). */
  tagUpdateAttempts?: number;
}

export class RegistryClient {
  readonly transport: Transport;
  readonly #auth: Authenticator;
  readonly #tagUpdateAttempts: number;

  constructor(options: RegistryClientOptions = {}) {
    this.transport = new Transport(options);
    this.#auth = new Authenticator(this.transport, new CredentialChain(options.credentials ?? []));
    this.#tagUpdateAttempts = options.tagUpdateAttempts ?? 15;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  // ---- manifests

  /** GET a manifest by tag or digest; undefined when it does not exist. The digest is checked. */
  async getManifest(repo: RepositoryRef, reference: string): Promise<FetchedManifest | undefined> {
    const res = await this.#send(repo, ['pull'], {
      method: 'GET',
      path: `manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      maxResponseBytes: MAX_MANIFEST_BYTES,
    });
    if (res.status === 404) return undefined;
    this.#expect(res, [200], repo, `read manifest ${reference}`);
    const digest = digestOf(res.body, algorithmOf(reference) ?? 'sha256');
    const claimed = res.headers['docker-content-digest'];
    const expected = isDigest(reference) ? reference : claimed;
    if (expected && expected !== digest) {
      throw new AttestError(
        'REGISTRY',
        `manifest ${reference} from ${repo.registry}/${repo.repository} has digest ${digest}, expected ${expected}`,
        {
          hint: 'the registry (or a proxy) altered the manifest; retry, or report it to the registry operator',
        },
      );
    }
    const mediaType = parseManifestMediaType(res.body) ?? contentType(res) ?? MEDIA_TYPES.ociManifest;
    return { digest, mediaType, bytes: res.body };
  }

  /** HEAD a manifest: its descriptor, or undefined when it does not exist. */
  async headManifest(repo: RepositoryRef, reference: string): Promise<Descriptor | undefined> {
    const res = await this.#send(repo, ['pull'], {
      method: 'HEAD',
      path: `manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) return undefined;
    this.#expect(res, [200], repo, `check manifest ${reference}`);
    const digest = res.headers['docker-content-digest'];
    const size = Number(res.headers['content-length']);
    const mediaType = contentType(res);
    if (digest && mediaType && Number.isFinite(size)) return { mediaType, digest, size };
    // Some registries omit the digest on HEAD; the body settles it.
    const full = await this.getManifest(repo, reference);
    return full && { mediaType: full.mediaType, digest: full.digest, size: full.bytes.length };
  }

  /** The digest a tag (or digest) points at; throws NOT_FOUND when there is no such manifest. */
  async resolveDigest(repo: RepositoryRef, reference: string): Promise<Descriptor> {
    const found = await this.headManifest(repo, reference);
    if (!found) {
      throw new AttestError('NOT_FOUND', `${repo.registry}/${repo.repository}:${reference} does not exist`, {
        hint: 'check the image name and tag (or digest), and that the credentials may read it',
      });
    }
    return found;
  }

  async putManifest(
    repo: RepositoryRef,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<PutManifestResult> {
    let res: HttpResponse;
    for (let attempt = 1; ; attempt++) {
      res = await this.#send(repo, ['pull', 'push'], {
        method: 'PUT',
        path: `manifests/${reference}`,
        headers: { 'content-type': mediaType },
        body: bytes,
      });
      // A blob we just uploaded can be briefly invisible or half-linked (eventually consistent storage,
      // concurrent writers of the same blob): the registry then refuses the manifest as naming an unknown or
      // invalid blob. Our own digests are right, so that is worth a few retries.
      const transient = res.status === 400 && /BLOB_UNKNOWN|DIGEST_INVALID/.test(registryErrorText(res));
      if (!transient || attempt >= this.transport.attempts) break;
      log.debug(`write manifest ${reference}: ${registryErrorText(res)}; retrying`);
      await sleep(this.transport.backoff(attempt));
    }
    this.#expect(res, [200, 201], repo, `write manifest ${reference}`);
    return {
      digest: res.headers['docker-content-digest'] ?? digestOf(bytes),
      subjectIndexed: res.headers['oci-subject'] !== undefined,
    };
  }

  /**
   * Read-modify-write of a tag, without any locking in the protocol. `mutate` prepares the new manifest
   * (uploading what it needs); the tag is read again right before the PUT, so the window in which another
   * writer's change can be lost is one GET and one PUT. After writing, the tag is re-read after a settle
   * time (several times that window) until a read finds our change and nothing written since the previous
   * look; a concurrent writer that dropped our change makes us write again. Returns whether this call wrote.
   */
  async updateTag(repo: RepositoryRef, tag: string, mutate: TagMutation): Promise<boolean> {
    const name = `${repo.registry}/${repo.repository}:${tag}`;
    let writes = 0;
    let window = 0;
    let lastSeen: string | undefined;
    for (let round = 1; round <= MAX_TAG_ROUNDS; round++) {
      const current = await this.getManifest(repo, tag);
      const next = await mutate(current);
      if (!next) {
        // Done when nobody wrote during the last settle time: a writer that read before us has landed.
        if (writes === 0 || current?.digest === lastSeen) return writes > 0;
        lastSeen = current?.digest;
        await sleep(settleTime(window, writes));
        continue;
      }
      if (writes >= this.#tagUpdateAttempts) break;
      const started = Date.now();
      const fresh = await this.getManifest(repo, tag);
      if (fresh?.digest !== current?.digest) {
        log.debug(`${name} changed while preparing the update; preparing again`);
        continue;
      }
      if (writes > 0) log.debug(`${name}: a concurrent writer dropped our change; writing again`);
      lastSeen = (await this.putManifest(repo, tag, next.bytes, next.mediaType)).digest;
      window = Math.max(window, Date.now() - started);
      writes++;
      await sleep(settleTime(window, writes));
    }
    throw new AttestError('REGISTRY', `${name} kept changing under concurrent writers (${writes} writes)`, {
      hint: 'too many writers update this tag at once; run the task again',
    });
  }

  /** Tags of a repository (follows `Link` pagination). */
  async listTags(repo: RepositoryRef): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = 'tags/list?n=1000';
    while (path) {
      const res: HttpResponse = await this.#send(repo, ['pull'], { method: 'GET', path });
      if (res.status === 404) return tags;
      this.#expect(res, [200], repo, 'list tags');
      const body = JSON.parse(res.body.toString('utf8')) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const next = /<([^>]+)>;\s*rel="?next"?/.exec(res.headers.link ?? '')?.[1];
      path = next ? next.replace(/^.*\/v2\/.+?\/tags\//, 'tags/') : undefined;
    }
    return tags;
  }

  // ---- blobs

  async blobExists(repo: RepositoryRef, digest: string): Promise<boolean> {
    const res = await this.#send(repo, ['pull'], { method: 'HEAD', path: `blobs/${digest}` });
    if (res.status === 404) return false;
    this.#expect(res, [200], repo, `check blob ${digest}`);
    return true;
  }

  /** GET a blob and check it hashes to its digest. */
  async getBlob(repo: RepositoryRef, digest: string, maxBytes = 64 * 1024 * 1024): Promise<Buffer> {
    const res = await this.#send(repo, ['pull'], {
      method: 'GET',
      path: `blobs/${digest}`,
      maxResponseBytes: maxBytes,
    });
    this.#expect(res, [200], repo, `read blob ${digest}`);
    const actual = digestOf(res.body, algorithmOf(digest) ?? 'sha256');
    if (actual !== digest) {
      throw new AttestError(
        'REGISTRY',
        `blob ${digest} from ${repo.registry}/${repo.repository} hashes to ${actual}`,
        { hint: 'the registry (or a proxy) returned different content; retry, or report it to the operator' },
      );
    }
    return res.body;
  }

  /**
   * Makes sure the repository holds `data` as a blob: nothing when it exists, a cross-repository mount when
   * `mountFrom` (same registry) has it, else an upload: monolithic, falling back to chunks for registries
   * that refuse a one-shot PUT. A failure mid-upload restarts the upload (a session cannot be resumed
   * reliably after a reset).
   */
  async pushBlob(repo: RepositoryRef, data: Uint8Array, options: { mountFrom?: RepositoryRef } = {}) {
    const digest = digestOf(data);
    const descriptor = { digest, size: data.length };
    if (await this.blobExists(repo, digest)) return descriptor;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#upload(repo, data, digest, options.mountFrom);
        return descriptor;
      } catch (error) {
        const retryable =
          error instanceof UploadStatusError ? isTransientStatus(error.status) : isRetryableError(error);
        if (!retryable || attempt >= this.transport.attempts) {
          throw error instanceof UploadStatusError ? error.toAttestError() : error;
        }
        const wait = this.transport.backoff(attempt);
        log.debug(
          `upload of ${digest} to ${repo.registry}/${repo.repository} failed (${error}); restart in ${wait} ms`,
        );
        await sleep(wait);
      }
    }
  }

  async #upload(
    repo: RepositoryRef,
    data: Uint8Array,
    digest: string,
    mountFrom?: RepositoryRef,
  ): Promise<void> {
    const mount =
      mountFrom && mountFrom.registry === repo.registry && mountFrom.repository !== repo.repository;
    const scopes: Scope[] = [{ repository: repo.repository, actions: ['pull', 'push'] }];
    if (mount) scopes.push({ repository: mountFrom.repository, actions: ['pull'] });
    const query = mount
      ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom.repository)}`
      : '';
    const start = await this.#sendScoped(repo, scopes, { method: 'POST', path: `blobs/uploads/${query}` });
    if (mount && start.status === 201) {
      log.debug(`mounted ${digest} from ${mountFrom.repository} into ${repo.repository}`);
      return;
    }
    let session = this.#uploadSession(repo, start, 'start upload');
    // One PUT with the whole blob: the common case, and a single request.
    const put = await this.#sendScoped(repo, scopes, {
      method: 'PUT',
      url: withDigest(session.location, digest),
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
      retry: false,
    });
    if (put.status === 201) return;
    if (isTransientStatus(put.status) || ![400, 404, 405, 413, 416, 501].includes(put.status)) {
      throw new UploadStatusError(put, repo, 'upload blob');
    }
    log.debug(`${repo.registry} refused a monolithic upload (HTTP ${put.status}); uploading in chunks`);
    const restart = await this.#sendScoped(repo, scopes, { method: 'POST', path: 'blobs/uploads/' });
    session = this.#uploadSession(repo, restart, 'start chunked upload');
    let offset = 0;
    while (offset < data.length) {
      const chunk = data.subarray(offset, offset + session.chunkBytes);
      const patch = await this.#sendScoped(repo, scopes, {
        method: 'PATCH',
        url: session.location,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `${offset}-${offset + chunk.length - 1}`,
        },
        body: chunk,
        retry: false,
      });
      session = { ...this.#uploadSession(repo, patch, 'upload chunk'), chunkBytes: session.chunkBytes };
      offset += chunk.length;
    }
    const done = await this.#sendScoped(repo, scopes, {
      method: 'PUT',
      url: withDigest(session.location, digest),
      retry: false,
    });
    if (done.status !== 201) throw new UploadStatusError(done, repo, 'finish chunked upload');
  }

  #uploadSession(repo: RepositoryRef, res: HttpResponse, step: string) {
    if (res.status !== 202 || !res.headers.location) throw new UploadStatusError(res, repo, step);
    const minimum = Number(res.headers['oci-chunk-min-length']);
    return {
      location: new URL(res.headers.location, res.url).toString(),
      chunkBytes: Number.isFinite(minimum) && minimum > DEFAULT_CHUNK_BYTES ? minimum : DEFAULT_CHUNK_BYTES,
    };
  }

  // ---- referrers

  /**
   * Manifests that name `digest` as their subject: from the referrers API, or, on registries without it
   * (a 404, e.g. distribution 2.8), from the fallback index at tag `sha256-<hex>`.
   */
  async referrers(repo: RepositoryRef, digest: string, artifactType?: string): Promise<ReferrersResult> {
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.#send(repo, ['pull'], {
      method: 'GET',
      path: `referrers/${digest}${query}`,
      headers: { accept: MEDIA_TYPES.ociIndex },
      maxResponseBytes: MAX_MANIFEST_BYTES,
    });
    const isIndex = res.status === 200 && (contentType(res) ?? '').startsWith(MEDIA_TYPES.ociIndex);
    // Like go-containerregistry: 404/400/406, or a 200 that is not an index, mean "no referrers API".
    if (!isIndex) this.#expect(res, [200, 400, 404, 406], repo, `list referrers of ${digest}`);
    let index: ImageIndex | undefined;
    let source: ReferrersResult['source'] = 'api';
    if (isIndex) {
      index = parseJson<ImageIndex>(res.body, `referrers of ${digest}`);
    } else {
      source = 'tag';
      const fallback = await this.getManifest(repo, fallbackTag(digest));
      if (fallback) index = parseJson<ImageIndex>(fallback.bytes, `${fallbackTag(digest)} index`);
    }
    const descriptors = (index?.manifests ?? []).filter(
      (d) => !artifactType || d.artifactType === artifactType,
    );
    return { descriptors, source };
  }

  /**
   * Pushes a manifest that has a `subject` (by digest), and when the registry does not index it (no
   * `OCI-Subject` answer), adds it to the fallback index `sha256-<hex>` as the OCI spec prescribes.
   */
  async pushReferrer(
    repo: RepositoryRef,
    manifest: Uint8Array,
    descriptor: Descriptor,
    subjectDigest: string,
  ) {
    const put = await this.putManifest(repo, descriptor.digest, manifest, descriptor.mediaType);
    const indexed = put.subjectIndexed || (await this.referrers(repo, subjectDigest)).source === 'api';
    if (indexed) return { digest: put.digest, location: `${repo.registry}/${repo.repository}@${put.digest}` };
    const tag = fallbackTag(subjectDigest);
    await this.updateTag(repo, tag, async (current) => {
      const index: ImageIndex = current
        ? parseJson<ImageIndex>(current.bytes, `${tag} index`)
        : { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] };
      if (index.manifests.some((m) => m.digest === descriptor.digest)) return undefined;
      // Sorted by digest, as go-containerregistry keeps it.
      index.manifests = [...index.manifests, descriptor].sort((a, b) => (a.digest < b.digest ? -1 : 1));
      return { bytes: Buffer.from(JSON.stringify(index)), mediaType: MEDIA_TYPES.ociIndex };
    });
    return { digest: put.digest, location: `${repo.registry}/${repo.repository}:${tag}` };
  }

  // ---- plumbing

  #send(
    repo: RepositoryRef,
    actions: Action[],
    req: Omit<HttpRequest, 'url'> & { path: string },
  ): Promise<HttpResponse> {
    return this.#sendScoped(repo, [{ repository: repo.repository, actions }], req);
  }

  /** Sends with the right Authorization, answering one 401 challenge; a second refusal is an auth error. */
  async #sendScoped(
    repo: RepositoryRef,
    scopes: Scope[],
    req: Omit<HttpRequest, 'url'> & ({ path: string } | { url: string }),
  ): Promise<HttpResponse> {
    const url =
      'url' in req
        ? req.url
        : `${await this.transport.baseUrl(repo.registry)}/v2/${repo.repository}/${req.path}`;
    const build = (authorization: string | undefined): HttpRequest => ({
      ...req,
      url,
      headers: { ...req.headers, ...(authorization ? { authorization } : {}) },
    });
    let res = await this.transport.request(build(await this.#auth.header(repo.registry, scopes)));
    if (res.status === 401) {
      res = await this.transport.request(build(await this.#auth.respond(repo.registry, res, scopes)));
    }
    if (res.status === 401 || res.status === 403) throw await this.#auth.denied(repo.registry, scopes, res);
    return res;
  }

  #expect(res: HttpResponse, ok: number[], repo: RepositoryRef, what: string): void {
    if (!ok.includes(res.status)) throw new UploadStatusError(res, repo, what).toAttestError();
  }
}

/** A registry answer that ends an operation; kept as a status so uploads can decide whether to restart. */
class UploadStatusError extends Error {
  constructor(
    readonly response: HttpResponse,
    readonly repo: RepositoryRef,
    readonly what: string,
  ) {
    super(`${what}: HTTP ${response.status}`);
  }

  get status(): number {
    return this.response.status;
  }

  toAttestError(): AttestError {
    const { registry, repository } = this.repo;
    return new AttestError(
      'REGISTRY',
      `${registry}/${repository}: ${this.what} failed with HTTP ${this.status}${registryErrorText(this.response)}`,
      {
        hint:
          this.status >= 500 || this.status === 429
            ? `the registry ${registry} is failing or rate-limiting; retry later`
            : `check the repository name and that ${registry} accepts OCI manifests`,
      },
    );
  }
}

/** `sha256:<hex>` of bytes. */
export function digestOf(data: Uint8Array, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

function isDigest(reference: string): boolean {
  return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(reference) && reference.includes(':');
}

function algorithmOf(reference: string): string | undefined {
  if (!isDigest(reference)) return undefined;
  const algorithm = reference.slice(0, reference.indexOf(':'));
  return algorithm === 'sha256' || algorithm === 'sha512' ? algorithm : undefined;
}

/** The tag cosign and the OCI referrers fallback derive from a digest: `sha256:<hex>` -> `sha256-<hex>`. */
export function fallbackTag(digest: string): string {
  return digest.replace(':', '-');
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

function contentType(res: HttpResponse): string | undefined {
  return res.headers['content-type']?.split(';')[0]?.trim() || undefined;
}

function parseManifestMediaType(bytes: Buffer): string | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    return typeof value.mediaType === 'string' ? value.mediaType : undefined;
  } catch {
    return undefined;
  }
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
