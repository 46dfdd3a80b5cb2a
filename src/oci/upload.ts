import { AttestError } from '../errors.js';
import { isTransientStatus } from '../http/retry.js';
import { log } from '../log.js';
import { registryErrorText, type Scope } from './auth.js';
import type { HttpRequest, HttpResponse } from './transport.js';
import type { RepositoryRef } from './types.js';

/** A blob upload session of the distribution API: mount, one-shot PUT, or chunks. */

const DEFAULT_CHUNK_BYTES = 5 * 1024 * 1024;

/** Sends one request of the upload with credentials for `scopes` (RegistryClient's authenticated send). */
export type ScopedSend = (
  repo: RepositoryRef,
  scopes: Scope[],
  req: Omit<HttpRequest, 'url'> & ({ path: string } | { url: string }),
) => Promise<HttpResponse>;

/**
 * Uploads `data` (whose digest is `digest`) into the repository: a cross-repository mount when `mountFrom`
 * (same registry) has it, else monolithic, falling back to chunks for registries that refuse a one-shot PUT.
 */
export async function uploadBlob(
  send: ScopedSend,
  repo: RepositoryRef,
  data: Uint8Array,
  digest: string,
  mountFrom?: RepositoryRef,
): Promise<void> {
  const mount = mountFrom && mountFrom.registry === repo.registry && mountFrom.repository !== repo.repository;
  const scopes: Scope[] = [{ repository: repo.repository, actions: ['pull', 'push'] }];
  if (mount) scopes.push({ repository: mountFrom.repository, actions: ['pull'] });
  const query = mount
    ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom.repository)}`
    : '';
  const start = await send(repo, scopes, { method: 'POST', path: `blobs/uploads/${query}` });
  if (mount && start.status === 201) {
    log.debug(`mounted ${digest} from ${mountFrom.repository} into ${repo.repository}`);
    return;
  }
  let session = uploadSession(repo, start, 'start upload');
  // One PUT with the whole blob: the common case, and a single request.
  const put = await send(repo, scopes, {
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
  const restart = await send(repo, scopes, { method: 'POST', path: 'blobs/uploads/' });
  session = uploadSession(repo, restart, 'start chunked upload');
  let offset = 0;
  while (offset < data.length) {
    const chunk = data.subarray(offset, offset + session.chunkBytes);
    const patch = await send(repo, scopes, {
      method: 'PATCH',
      url: session.location,
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
      retry: false,
    });
    session = { ...uploadSession(repo, patch, 'upload chunk'), chunkBytes: session.chunkBytes };
    offset += chunk.length;
  }
  const done = await send(repo, scopes, {
    method: 'PUT',
    url: withDigest(session.location, digest),
    retry: false,
  });
  if (done.status !== 201) throw new UploadStatusError(done, repo, 'finish chunked upload');
}

function uploadSession(repo: RepositoryRef, res: HttpResponse, step: string) {
  if (res.status !== 202 || !res.headers.location) throw new UploadStatusError(res, repo, step);
  const minimum = Number(res.headers['oci-chunk-min-length']);
  return {
    location: new URL(res.headers.location, res.url).toString(),
    chunkBytes: Number.isFinite(minimum) && minimum > DEFAULT_CHUNK_BYTES ? minimum : DEFAULT_CHUNK_BYTES,
  };
}

/** A registry answer that ends an operation; kept as a status so uploads can decide whether to restart. */
export class UploadStatusError extends Error {
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
    // A blob read may have been redirected to a CDN, an upload sent elsewhere: name the host that failed.
    const answered = new URL(this.response.url).host;
    const via = answered === registry ? '' : ` (answered by ${answered})`;
    return new AttestError(
      'REGISTRY',
      `${registry}/${repository}: ${this.what} failed with HTTP ${this.status}${via}${registryErrorText(this.response)}`,
      {
        hint:
          this.status >= 500 || this.status === 429
            ? `the registry ${registry} is failing or rate-limiting; retry later`
            : `check the repository name and that ${registry} accepts OCI manifests`,
      },
    );
  }
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}
