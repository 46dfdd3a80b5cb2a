// A deliberately small registry client for the tests (node:http/https, Basic and Bearer auth), so the
// checker and the image pusher never share code with src/oci, the code under test.
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface RegistryAccess {
  /** http(s)://host:port */
  url: string;
  ca?: Buffer | string;
  username?: string;
  password?: string;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const ACCEPT = [
  OCI_MANIFEST,
  OCI_INDEX,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function raw(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  ca: Buffer | string | undefined,
): Promise<RawResponse> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One registry session: remembers the token per scope like any docker client. */
export class RegistryHttp {
  readonly #access: RegistryAccess;
  readonly #tokens = new Map<string, string>();

  constructor(access: RegistryAccess) {
    this.#access = access;
  }

  async send(
    method: string,
    repo: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer; push?: boolean; absolute?: string } = {},
  ): Promise<RawResponse> {
    const url = options.absolute ?? `${this.#access.url}/v2/${repo}/${path}`;
    const scope = `repository:${repo}:${options.push ? 'pull,push' : 'pull'}`;
    const headers = { ...options.headers };
    const cached = this.#tokens.get(scope);
    if (cached) headers.authorization = cached;
    let res = await raw(method, url, headers, options.body, this.#access.ca);
    if (res.status === 401) {
      headers.authorization = await this.#authorize(String(res.headers['www-authenticate'] ?? ''), scope);
      this.#tokens.set(scope, headers.authorization);
      res = await raw(method, url, headers, options.body, this.#access.ca);
    }
    return res;
  }

  async #authorize(challenge: string, scope: string): Promise<string> {
    const basic = this.#access.username
      ? `Basic ${Buffer.from(`${this.#access.username}:${this.#access.password ?? ''}`).toString('base64')}`
      : undefined;
    if (/^basic/i.test(challenge)) {
      if (!basic) throw new Error('registry wants Basic auth and no login was given');
      return basic;
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const url = new URL(String(params.realm));
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', scope);
    const res = await raw(
      'GET',
      url.toString(),
      basic ? { authorization: basic } : {},
      undefined,
      this.#access.ca,
    );
    if (res.status !== 200) throw new Error(`token server answered ${res.status}`);
    const body = JSON.parse(res.body.toString()) as { token: string };
    return `Bearer ${body.token}`;
  }

  /** A manifest's bytes and digest (computed, not trusted from headers); undefined on 404. */
  async manifest(repo: string, reference: string): Promise<{ bytes: Buffer; digest: string } | undefined> {
    const res = await this.send('GET', repo, `manifests/${reference}`, { headers: { accept: ACCEPT } });
    if (res.status === 404) return undefined;
    if (res.status !== 200)
      throw new Error(`GET manifest ${repo}:${reference}: HTTP ${res.status} ${res.body}`);
    return { bytes: res.body, digest: sha256(res.body) };
  }

  async blob(repo: string, digest: string): Promise<Buffer> {
    const res = await this.send('GET', repo, `blobs/${digest}`);
    if (res.status !== 200) throw new Error(`GET blob ${repo}@${digest}: HTTP ${res.status}`);
    if (sha256(res.body) !== digest) throw new Error(`blob ${digest} does not hash to its digest`);
    return res.body;
  }

  async putBlob(repo: string, data: Buffer): Promise<string> {
    const digest = sha256(data);
    const start = await this.send('POST', repo, 'blobs/uploads/', { push: true });
    if (start.status !== 202) throw new Error(`POST upload: HTTP ${start.status} ${start.body}`);
    const location = new URL(String(start.headers.location), this.#access.url);
    location.searchParams.set('digest', digest);
    const put = await this.send('PUT', repo, '', {
      push: true,
      absolute: location.toString(),
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    if (put.status !== 201) throw new Error(`PUT blob: HTTP ${put.status} ${put.body}`);
    return digest;
  }

  async putManifest(
    repo: string,
    reference: string,
    manifest: object,
    mediaType = OCI_MANIFEST,
  ): Promise<string> {
    const bytes = Buffer.from(JSON.stringify(manifest));
    const res = await this.send('PUT', repo, `manifests/${reference}`, {
      push: true,
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (res.status !== 201)
      throw new Error(`PUT manifest ${repo}:${reference}: HTTP ${res.status} ${res.body}`);
    return sha256(bytes);
  }
}

/** Pushes a small random image (config + one layer) and returns its manifest digest. */
export async function pushTestImage(
  access: RegistryAccess,
  repo: string,
  tag = 'latest',
): Promise<{ digest: string; reference: string; host: string }> {
  const http = new RegistryHttp(access);
  const layer = randomBytes(256);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
      config: { Labels: { nonce: randomBytes(8).toString('hex') } },
    }),
  );
  const configDigest = await http.putBlob(repo, config);
  const layerDigest = await http.putBlob(repo, layer);
  const digest = await http.putManifest(repo, tag, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length,
    },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length },
    ],
  });
  const host = new URL(access.url).host;
  return { digest, reference: `${host}/${repo}@${digest}`, host };
}
