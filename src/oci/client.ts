import { AttestError } from '../errors.js';
import { isTransientStatus, sleep } from '../http/retry.js';
import { log } from '../log.js';
import { type Action, Authenticator, registryErrorText, type Scope } from './auth.js';
import { CredentialChain, type CredentialSource } from './docker-config.js';
import { type HeldManifest, type TagMutation, updateTag } from './tag-update.js';
import {
  type HttpRequest,
  type HttpResponse,
  isRetryableError,
  Transport,
  type TransportOptions,
} from './transport.js';
import {
  algorithmOf,
  type Descriptor,
  digestOf,
  type FetchedManifest,
  fallbackTag,
  type ImageIndex,
  isDigest,
  MEDIA_TYPES,
  type PutManifestResult,
  parseJson,
  type ReferrersResult,
  type RepositoryRef,
} from './types.js';
import { UploadStatusError, uploadBlob } from './upload.js';

/**
 * The OCI distribution API (https://github.com/opencontainers/distribution-spec): manifests, blobs, tags and
 * referrers, with the fallback tag schema for registries without a referrers API. The only code that talks to
 * registries. Over 300 lines: one method per endpoint of the protocol, which reads best as one class; the
 * wire types (types.ts), blob uploads (upload.ts) and the tag-update algorithm (tag-update.ts) live beside it.
 */

const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerManifestList,
].join(', ');

/** Manifests beyond this are refused (the OCI spec's suggested limit). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Answers that send a read elsewhere: Docker Hub, GHCR, ECR, Artifact Registry and Quay answer blob reads
 * with a redirect to a CDN or object store. Followed as docker and cosign (Go's client) do, at most 10 hops.
 */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

export interface RegistryClientOptions extends TransportOptions {
  /** Credential sources in lookup order (default: none, anonymous). */
  credentials?: CredentialSource[];
  /** Writes of one tag update before giving up on concurrent writers (default 15). */
  tagUpdateAttempts?: number;
  /** The client pushes (attest): a read refused on the way to a push says so. */
  pushes?: boolean;
}

export class RegistryClient {
  readonly transport: Transport;
  readonly #auth: Authenticator;
  readonly #tagUpdateAttempts: number;

  constructor(options: RegistryClientOptions = {}) {
    this.transport = new Transport(options);
    this.#auth = new Authenticator(this.transport, new CredentialChain(options.credentials ?? []), {
      pushes: options.pushes ?? false,
    });
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
   * Read-modify-write of a tag (see tag-update.ts): `mutate` prepares the new manifest from the current one,
   * or returns nothing when the current one suffices; `held`: the tag as just read, not read again first.
   * Returns whether this call wrote.
   */
  updateTag(repo: RepositoryRef, tag: string, mutate: TagMutation, held?: HeldManifest): Promise<boolean> {
    return updateTag(this, repo, tag, mutate, this.#tagUpdateAttempts, held);
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
    const res = await this.#read(repo, { method: 'HEAD', path: `blobs/${digest}` });
    if (res.status === 404) return false;
    this.#expect(res, [200], repo, `check blob ${digest}`);
    return true;
  }

  /** GET a blob (at most the transport's `--max-input-size`) and check it hashes to its digest. */
  async getBlob(repo: RepositoryRef, digest: string): Promise<Buffer> {
    const res = await this.#read(repo, { method: 'GET', path: `blobs/${digest}` });
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
   * reliably after a reset). `expectNew`: the caller knows the blob is almost surely not there yet (a fresh
   * signature, a config naming it), so the HEAD that asks would only cost a round trip before the upload;
   * a blob that is there after all is uploaded again, which the registry answers like any upload.
   */
  async pushBlob(
    repo: RepositoryRef,
    data: Uint8Array,
    options: { mountFrom?: RepositoryRef; expectNew?: boolean } = {},
  ) {
    const digest = digestOf(data);
    const descriptor = { digest, size: data.length };
    if (!options.expectNew && (await this.blobExists(repo, digest))) return descriptor;
    for (let attempt = 1; ; attempt++) {
      try {
        await uploadBlob((...args) => this.#sendScoped(...args), repo, data, digest, options.mountFrom);
        return descriptor;
      } catch (error) {
        // A request that timed out was already retried by the transport: a registry that slow is not
        // helped by restarting the upload, which would only multiply the wait.
        const timedOut = error instanceof AttestError && error.code === 'TIMEOUT';
        const retryable =
          error instanceof UploadStatusError
            ? isTransientStatus(error.status)
            : !timedOut && isRetryableError(error);
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

  /**
   * A blob read, following redirects. The registry's credentials go only to the registry itself: a hop to
   * another origin (the CDN) is sent without Authorization, as docker and cosign do, since its URL is signed.
   */
  async #read(repo: RepositoryRef, req: Omit<HttpRequest, 'url'> & { path: string }): Promise<HttpResponse> {
    let res = await this.#send(repo, ['pull'], req);
    const registryOrigin = new URL(res.url).origin;
    for (let hops = 0; REDIRECT_STATUSES.has(res.status); hops++) {
      const location = res.headers.location;
      const from = new URL(res.url);
      if (!location) {
        throw new AttestError(
          'REGISTRY',
          `${req.method} ${from.origin}${from.pathname}: HTTP ${res.status} without a Location`,
          {
            hint: `the registry ${repo.registry} (or a proxy in front of it) sent a broken redirect; report it to its operator`,
          },
        );
      }
      const next = new URL(location, res.url);
      if (hops >= MAX_REDIRECTS || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
        throw new AttestError(
          'REGISTRY',
          `${req.method} ${repo.registry}/${repo.repository}/${req.path}: ${hops >= MAX_REDIRECTS ? `more than ${MAX_REDIRECTS} redirects` : 'redirected to a non-HTTP URL'}, last to ${next.host}`,
          {
            hint: `the registry ${repo.registry} (or a proxy in front of it) sends blob reads where they cannot be read; report it to its operator`,
          },
        );
      }
      log.debug(`${req.method} ${from.host}${from.pathname}: HTTP ${res.status} to ${next.host}`);
      const { headers, method, maxResponseBytes } = req;
      res =
        next.origin === registryOrigin
          ? await this.#sendScoped(repo, [{ repository: repo.repository, actions: ['pull'] }], {
              ...req,
              url: next.toString(),
            })
          : await this.transport.request({
              method,
              url: next.toString(),
              ...(headers ? { headers } : {}),
              ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
            });
    }
    return res;
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
