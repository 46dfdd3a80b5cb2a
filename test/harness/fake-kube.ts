// A Kubernetes API server for fault tests: an HTTP(S) server on 127.0.0.1 that serves the real paths
// tekton-attest uses (Tekton pipelineruns/taskruns/customruns, core serviceaccounts/secrets), with label
// selectors, limit/continue pagination, JSON merge patch, resourceVersion (and 409 on a stale one), the
// 256 KiB annotation limit, `Status` error bodies, and bearer-token checks. Tests script faults: deny a
// verb (403), drop an object (404), answer 409/429/500, or stall. Every request is recorded.
// The real kube-apiserver peer (test/peers/kube-apiserver.ts) proves RBAC and schema; this one proves
// the client's behaviour when the server misbehaves.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are open-ended JSON.
export type KubeObject = Record<string, any>;
export type Verb = 'get' | 'list' | 'patch';

export interface FakeKubeOptions {
  /** Serve HTTPS with a fresh test CA (see `caPem`). */
  tls?: boolean;
  /** Tekton versions served for pipelineruns/taskruns (customruns are always v1beta1). */
  served?: ('v1' | 'v1beta1')[];
  /** Largest page a list returns, whatever `limit` asks (small, to exercise `continue`). */
  pageSize?: number;
  /** The service account the token belongs to (`sub` of the fake JWT). */
  serviceAccount?: { namespace: string; name: string };
}

/** Which requests a rule applies to; unset fields match anything. */
export interface Match {
  verb?: Verb;
  resource?: string;
  namespace?: string;
  name?: string;
  /** Only LIST pages after the first (requests with a `continue` token). */
  continued?: boolean;
}

export interface Fault extends Match {
  /** Answer with this status and a Status body (e.g. 409, 429, 500). */
  status?: number;
  retryAfter?: string;
  /** Answer with this plain-text body instead of a Status (as a proxy in front of the server would). */
  text?: string;
  /** Never answer (the client must time out). */
  stall?: boolean;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  verb: Verb | 'discovery' | 'other';
  resource?: string;
  namespace?: string;
  name?: string;
  version?: string;
  contentType?: string;
  authorization?: string;
  body?: string;
  status?: number;
}

const ANNOTATIONS_LIMIT = 256 * 1024;
const TEKTON_RESOURCES = new Set(['pipelineruns', 'taskruns', 'customruns']);
const CORE_RESOURCES = new Set(['serviceaccounts', 'secrets']);
const KIND_OF: Record<string, string> = {
  pipelineruns: 'PipelineRun',
  taskruns: 'TaskRun',
  customruns: 'CustomRun',
  serviceaccounts: 'ServiceAccount',
  secrets: 'Secret',
};

export class FakeKube {
  readonly requests: RecordedRequest[] = [];
  /** The only token accepted; `rotateToken` replaces it, as the kubelet rotates a bound token. */
  token: string;
  /** TLS handshakes completed (HTTPS servers): how many connections the client opened. */
  tlsConnections = 0;
  readonly serviceAccount: { namespace: string; name: string };
  url = '';
  port = 0;
  caPem: string | undefined;

  private readonly objects = new Map<string, KubeObject>();
  private readonly denied: Match[] = [];
  private readonly faults: Fault[] = [];
  private readonly hooks: ((request: RecordedRequest) => void)[] = [];
  private readonly stalled = new Set<http.ServerResponse>();
  private resourceVersion = 1000;
  private server: http.Server | undefined;

  private constructor(private readonly options: FakeKubeOptions) {
    this.serviceAccount = options.serviceAccount ?? { namespace: 'ci', name: 'pipeline' };
    this.token = fakeServiceAccountToken(this.serviceAccount);
  }

  static async start(options: FakeKubeOptions = {}): Promise<FakeKube> {
    const fake = new FakeKube(options);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => fake.handle(req, res);
    if (options.tls) {
      const pki = await makeTestPki();
      fake.caPem = pki.caPem;
      const server = https.createServer({ key: pki.keyPem, cert: pki.certPem }, handler);
      server.on('secureConnection', () => fake.tlsConnections++);
      fake.server = server;
    } else {
      fake.server = http.createServer(handler);
    }
    const server = fake.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    fake.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${fake.port}`;
    return fake;
  }

  async close(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.stalled.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ------------------------------------------------------------------------------------------
  // State

  /** Stores an object (kind decides the resource); fills uid, resourceVersion and creationTimestamp. */
  add(object: KubeObject): KubeObject {
    const resource = resourceOfKind(String(object.kind));
    const stored = structuredClone(object);
    stored.metadata ??= {};
    stored.metadata.namespace ??= 'ci';
    stored.metadata.uid ??= randomUUID();
    stored.metadata.creationTimestamp ??= '2024-01-01T00:00:00Z';
    stored.metadata.resourceVersion = String(++this.resourceVersion);
    this.objects.set(key(resource, stored.metadata.namespace, stored.metadata.name), stored);
    return structuredClone(stored);
  }

  object(resource: string, namespace: string, name: string): KubeObject | undefined {
    const found = this.objects.get(key(resource, namespace, name));
    return found ? structuredClone(found) : undefined;
  }

  /** Changes a stored object in place (a controller's write); bumps its resourceVersion. */
  update(resource: string, namespace: string, name: string, change: (object: KubeObject) => void): void {
    const found = this.objects.get(key(resource, namespace, name));
    if (!found) throw new Error(`fake-kube: no ${resource} ${namespace}/${name}`);
    change(found);
    found.metadata.resourceVersion = String(++this.resourceVersion);
  }

  /** Drops an object: later requests for it get 404. */
  remove(resource: string, namespace: string, name: string): void {
    this.objects.delete(key(resource, namespace, name));
  }

  /** Answers 403 Forbidden to matching requests, as RBAC would. */
  deny(match: Match): void {
    this.denied.push(match);
  }

  fault(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Runs before each request is answered (after it is recorded): lets a test act like a controller. */
  onRequest(hook: (request: RecordedRequest) => void): void {
    this.hooks.push(hook);
  }

  requestsFor(match: Match): RecordedRequest[] {
    return this.requests.filter((r) => r.verb !== 'discovery' && r.verb !== 'other' && matches(match, r));
  }

  /** A new token for the same service account; the old one is refused (401) from now on. */
  rotateToken(): string {
    this.token = fakeServiceAccountToken(this.serviceAccount);
    return this.token;
  }

  // ------------------------------------------------------------------------------------------
  // Client configuration

  /** Writes a kubeconfig for this server (token auth) and returns its path. */
  async writeKubeconfig(
    dir: string,
    {
      namespace = this.serviceAccount.namespace,
      token = this.token,
    }: { namespace?: string; token?: string } = {},
  ): Promise<string> {
    const cluster: Record<string, unknown> = { server: this.url };
    if (this.caPem) cluster['certificate-authority-data'] = Buffer.from(this.caPem).toString('base64');
    // client-node speaks plain HTTP only with this flag.
    else cluster['insecure-skip-tls-verify'] = true;
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster }],
      users: [{ name: 'fake-user', user: { token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake-user', namespace } }],
      'current-context': 'fake',
    };
    const path = join(dir, 'kubeconfig');
    await writeFile(path, JSON.stringify(config), { mode: 0o600 });
    return path;
  }

  /**
   * Lays out the pod's service-account files under `root` (token, ca.crt, namespace) and returns the env
   * of the in-cluster path: KUBERNETES_SERVICE_HOST/PORT and the root prefix. HTTPS servers only.
   */
  async writeInCluster(
    root: string,
    namespace = this.serviceAccount.namespace,
  ): Promise<Record<string, string>> {
    if (!this.caPem) throw new Error('fake-kube: the in-cluster path needs a TLS server');
    const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'token'), this.token, { mode: 0o600 });
    await writeFile(join(dir, 'ca.crt'), this.caPem);
    await writeFile(join(dir, 'namespace'), namespace);
    return {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(this.port),
      TEKTON_ATTEST_SERVICEACCOUNT_ROOT: root,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Serving

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      verb: 'other',
      ...parsePath(req.method ?? 'GET', url.pathname),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(body ? { body } : {}),
    };
    this.requests.push(recorded);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      recorded.status = status;
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const type = typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(text);
    };
    try {
      for (const hook of this.hooks) hook(recorded);
      if (recorded.authorization !== `Bearer ${this.token}`) {
        return send(401, status(401, 'Unauthorized', 'Unauthorized'));
      }
      if (recorded.verb === 'discovery') return send(200, this.discovery(url.pathname));
      if (recorded.verb === 'other' || !recorded.resource || !recorded.namespace) {
        return send(404, '404 page not found');
      }
      if (!this.serves(recorded)) return send(404, '404 page not found');
      const fault = this.takeFault(recorded);
      if (fault?.stall) {
        recorded.status = 0;
        this.stalled.add(res);
        return;
      }
      if (fault?.status) {
        const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
        return send(fault.status, fault.text ?? faultStatus(fault.status, recorded), headers);
      }
      if (this.denied.some((rule) => matches(rule, recorded)))
        return send(403, forbidden(recorded, this.serviceAccount));
      switch (recorded.verb) {
        case 'get':
          return this.get(recorded, send);
        case 'list':
          return this.list(recorded, send);
        case 'patch':
          return this.patch(recorded, send);
      }
    } catch (error) {
      send(500, status(500, 'InternalError', `fake-kube: ${(error as Error).message}`));
    }
  }

  private serves(request: RecordedRequest): boolean {
    if (CORE_RESOURCES.has(request.resource ?? '')) return request.version === 'v1';
    if (request.resource === 'customruns') return request.version === 'v1beta1';
    return (this.options.served ?? ['v1', 'v1beta1']).includes(request.version as 'v1');
  }

  private takeFault(request: RecordedRequest): Fault | undefined {
    const fault = this.faults.find((f) => (f.times ?? 1) > 0 && matches(f, request));
    if (fault) fault.times = (fault.times ?? 1) - 1;
    return fault;
  }

  private get(request: RecordedRequest, send: Send) {
    const found = this.objects.get(key(request.resource!, request.namespace!, request.name!));
    if (!found) return send(404, notFound(request));
    send(200, found);
  }

  private list(request: RecordedRequest, send: Send) {
    const selector = parseSelector(request.query.labelSelector ?? '');
    const prefix = `${request.resource}/${request.namespace}/`;
    const all = [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, o]) => o)
      .filter((o) => selector((o.metadata?.labels ?? {}) as Record<string, string>));
    const offset = request.query.continue
      ? Number(Buffer.from(request.query.continue, 'base64').toString())
      : 0;
    if (!Number.isInteger(offset) || offset < 0) {
      return send(400, status(400, 'BadRequest', 'continue key is not valid'));
    }
    const limit = Number(request.query.limit ?? 0) || Number.POSITIVE_INFINITY;
    const size = Math.min(limit, this.options.pageSize ?? 2);
    const items = all.slice(offset, offset + size);
    const next =
      offset + size < all.length ? Buffer.from(String(offset + size)).toString('base64') : undefined;
    const kind = `${KIND_OF[request.resource!]}List`;
    send(200, {
      apiVersion:
        request.resource && TEKTON_RESOURCES.has(request.resource) ? `tekton.dev/${request.version}` : 'v1',
      kind,
      metadata: { resourceVersion: String(this.resourceVersion), ...(next ? { continue: next } : {}) },
      items,
    });
  }

  private patch(request: RecordedRequest, send: Send) {
    const stored = this.objects.get(key(request.resource!, request.namespace!, request.name!));
    if (!stored) return send(404, notFound(request));
    if (request.contentType?.split(';')[0]?.trim() !== 'application/merge-patch+json') {
      return send(
        415,
        status(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (got ${request.contentType})`,
        ),
      );
    }
    let patch: KubeObject;
    try {
      patch = JSON.parse(request.body ?? '') as KubeObject;
    } catch {
      return send(400, status(400, 'BadRequest', 'error decoding patch: invalid JSON'));
    }
    const wanted = patch.metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== stored.metadata.resourceVersion) {
      return send(409, conflict(request));
    }
    const next = mergePatch(structuredClone(stored), patch) as KubeObject;
    const annotations = (next.metadata?.annotations ?? {}) as Record<string, string>;
    const size = Object.entries(annotations).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
    if (size > ANNOTATIONS_LIMIT) {
      return send(
        422,
        status(
          422,
          'Invalid',
          `${KIND_OF[request.resource!]}.tekton.dev "${request.name}" is invalid: metadata.annotations: Too long: must have at most ${ANNOTATIONS_LIMIT} bytes`,
        ),
      );
    }
    next.metadata.resourceVersion = String(++this.resourceVersion);
    this.objects.set(key(request.resource!, request.namespace!, request.name!), next);
    send(200, next);
  }

  private discovery(path: string): unknown {
    if (path === '/api') return { kind: 'APIVersions', versions: ['v1'] };
    if (path === '/version') return { major: '1', minor: '34', gitVersion: 'v1.34.0-fake' };
    const versions = (this.options.served ?? ['v1', 'v1beta1']).map((v) => ({
      groupVersion: `tekton.dev/${v}`,
      version: v,
    }));
    if (path === '/apis') {
      return {
        kind: 'APIGroupList',
        groups: [{ name: 'tekton.dev', versions, preferredVersion: versions[0] }],
      };
    }
    return { kind: 'APIGroup', name: 'tekton.dev', versions, preferredVersion: versions[0] };
  }
}

type Send = (status: number, payload: unknown, headers?: Record<string, string>) => void;

function key(resource: string, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`;
}

function resourceOfKind(kind: string): string {
  const resource = Object.entries(KIND_OF).find(([, k]) => k === kind)?.[0];
  if (!resource) throw new Error(`fake-kube: cannot store kind ${kind}`);
  return resource;
}

function parsePath(method: string, path: string): Partial<RecordedRequest> {
  if (
    path === '/api' ||
    path === '/apis' ||
    path === '/version' ||
    /^\/apis\/tekton\.dev(\/v\w+)?$/.test(path)
  ) {
    return { verb: 'discovery' };
  }
  const match =
    /^\/apis\/tekton\.dev\/(v\w+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path) ??
    /^\/api\/(v1)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (!match) return {};
  const [, version, namespace, resource, name] = match;
  if (!TEKTON_RESOURCES.has(resource!) && !CORE_RESOURCES.has(resource!)) return {};
  const verb: Verb | 'other' =
    method === 'PATCH' && name ? 'patch' : method === 'GET' ? (name ? 'get' : 'list') : 'other';
  return { verb, version, namespace, resource, ...(name ? { name: decodeURIComponent(name) } : {}) };
}

function matches(rule: Match, request: RecordedRequest): boolean {
  return (
    (rule.verb === undefined || rule.verb === request.verb) &&
    (rule.resource === undefined || rule.resource === request.resource) &&
    (rule.namespace === undefined || rule.namespace === request.namespace) &&
    (rule.name === undefined || rule.name === request.name) &&
    (rule.continued === undefined || rule.continued === Boolean(request.query.continue))
  );
}

/** Equality-based selectors (`a=b`, `a==b`, `a!=b`, `a`, `!a`), comma-separated, as kubectl sends them. */
function parseSelector(selector: string): (labels: Record<string, string>) => boolean {
  const terms = selector
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((term) => {
      const m = /^([^!=]+?)\s*(!=|==|=)\s*(.*)$/.exec(term);
      if (m) {
        const [, k, op, v] = m;
        return (labels: Record<string, string>) => (op === '!=' ? labels[k!] !== v : labels[k!] === v);
      }
      if (term.startsWith('!')) return (labels: Record<string, string>) => !(term.slice(1) in labels);
      return (labels: Record<string, string>) => term in labels;
    });
  return (labels) => terms.every((t) => t(labels));
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

function status(code: number, reason: string, message: string, details?: Record<string, string>): KubeObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function groupOf(request: RecordedRequest): string {
  return TEKTON_RESOURCES.has(request.resource ?? '') ? 'tekton.dev' : '';
}

function qualified(request: RecordedRequest): string {
  const group = groupOf(request);
  return group ? `${request.resource}.${group}` : `${request.resource}`;
}

function notFound(request: RecordedRequest): KubeObject {
  return status(404, 'NotFound', `${qualified(request)} "${request.name}" not found`, {
    name: request.name ?? '',
    group: groupOf(request),
    kind: request.resource ?? '',
  });
}

function forbidden(request: RecordedRequest, sa: { namespace: string; name: string }): KubeObject {
  const group = groupOf(request);
  const object = request.name ? `${qualified(request)} "${request.name}"` : qualified(request);
  const message =
    `${object} is forbidden: User "system:serviceaccount:${sa.namespace}:${sa.name}" cannot ${request.verb} ` +
    `resource "${request.resource}" in API group "${group}" in the namespace "${request.namespace}"`;
  return status(403, 'Forbidden', message, {
    ...(request.name ? { name: request.name } : {}),
    group,
    kind: request.resource ?? '',
  });
}

function conflict(request: RecordedRequest): KubeObject {
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(request)} "${request.name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name: request.name ?? '', group: groupOf(request), kind: request.resource ?? '' },
  );
}

function faultStatus(code: number, request: RecordedRequest): KubeObject {
  if (code === 409) return conflict(request);
  if (code === 404) return notFound(request);
  if (code === 429) return status(429, 'TooManyRequests', 'Too many requests, please try again later.');
  if (code === 410) {
    return status(
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
    );
  }
  return status(code, code >= 500 ? 'InternalError' : 'BadRequest', `fake-kube: injected HTTP ${code}`);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A JWT-shaped token whose claims name the service account, as a bound service-account token does. */
function fakeServiceAccountToken(sa: { namespace: string; name: string }): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return [
    part({ alg: 'RS256', kid: 'fake' }),
    part({ iss: 'https://kubernetes.default.svc', sub: `system:serviceaccount:${sa.namespace}:${sa.name}` }),
    randomBytes(32).toString('base64url'),
  ].join('.');
}

const execFileP = promisify(execFile);

/** A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI. */
async function makeTestPki(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-kube-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
  // biome-ignore format: openssl arguments read best as flag/value pairs
  await execFileP('openssl', [
    'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=fake-kube-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], { cwd: dir });
  // biome-ignore format: openssl arguments read best as flag/value pairs
  await execFileP('openssl', [
    'req', '-x509', '-CA', 'ca.crt', '-CAkey', 'ca.key', ...ec, '-keyout', 'server.key', '-out', 'server.crt',
    '-subj', '/CN=fake-kube', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth',
  ], { cwd: dir });
  const [caPem, certPem, keyPem] = await Promise.all(
    ['ca.crt', 'server.crt', 'server.key'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  return { caPem: caPem!, certPem: certPem!, keyPem: keyPem! };
}
