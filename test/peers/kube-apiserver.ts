// A real kube-apiserver + etcd as a test peer, envtest-style (binaries built from the Go module
// proxy by scripts/peers/build-kube.sh, or taken from $KUBEBUILDER_ASSETS). Each call of
// startKubeApiServer() starts a private etcd and kube-apiserver on 127.0.0.1 free ports, with
// their own temp dir, CA, serving certificate, service-account signing keys and a static admin
// token (system:masters) for the harness itself. Authorization is RBAC, so service-account
// tokens from createServiceAccountToken() get exactly what Roles grant them.
//
// There is no controller-manager: no default ServiceAccount appears in a new namespace, no
// garbage collection, no pods run. Create what the test needs.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify as yamlStringify } from 'yaml';
import { cacheRoot, goModCache, peerVersions } from './versions.js';

const execFileP = promisify(execFile);

/** A Kubernetes object as plain JSON. */
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are open-ended JSON.
export type KubeObject = Record<string, any>;

export interface StartKubeApiServerOptions {
  /** Directory holding kube-apiserver and etcd (default: $KUBEBUILDER_ASSETS, else the cache). */
  assetsDir?: string;
  /** Extra kube-apiserver flags (`--name=value`), appended last so they win. */
  extraApiServerArgs?: string[];
  /** Extra etcd flags. */
  extraEtcdArgs?: string[];
  /** Give up after this many ms (default 60000). */
  startTimeoutMs?: number;
  /** `--service-account-issuer` (default https://kubernetes.default.svc.cluster.local). */
  serviceAccountIssuer?: string;
  /** `--api-audiences` (default: [serviceAccountIssuer]). */
  apiAudiences?: string[];
  /** Keep the temp dir on stop() (also: TEKTON_ATTEST_KEEP_PEER_DIRS=1). */
  keepDir?: boolean;
  /**
   * Keep the ServiceAccount admission plugin on (default off): pods then need their ServiceAccount to exist
   * and get the projected token volume, as in a real cluster.
   */
  serviceAccountAdmission?: boolean;
}

export interface HttpResult<T = KubeObject> {
  status: number;
  /** Parsed JSON body (or undefined when the body is not JSON). */
  body: T;
  text: string;
  headers: http.IncomingHttpHeaders;
}

export interface RequestOptions {
  /** JSON-serialized unless already a string or Buffer. */
  body?: unknown;
  /** Bearer token (default: the admin token). Pass null for an anonymous request. */
  token?: string | null;
  /** Default application/json when there is a body. */
  contentType?: string;
  /** Query parameters. */
  query?: Record<string, string>;
}

/** A non-2xx answer from the apiserver where one was required. */
export class KubeHttpError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  constructor(method: string, path: string, status: number, body: unknown, text: string) {
    super(`${method} ${path} -> HTTP ${status}: ${text.slice(0, 2000)}`);
    this.name = 'KubeHttpError';
    this.method = method;
    this.path = path;
    this.status = status;
    this.body = body;
    this.text = text;
  }
}

export interface ApplyOptions {
  /** Namespace for namespaced objects that name none (default "default"). */
  namespace?: string;
  /** Server-side apply field manager (default "tekton-attest-test"). */
  fieldManager?: string;
}

export interface InstallTektonCRDsOptions {
  /** tektoncd/pipeline module version (default: TEKTON_PIPELINE_VERSION in scripts/peers/versions.env). */
  version?: string;
  /** Directory of CRD YAML files (default: $TEKTON_CRDS_DIR, else <module>/config/300-crds). */
  dir?: string;
  /** Give up waiting for Established after this many ms (default 30000). */
  timeoutMs?: number;
}

/** What a started server is: addresses, credentials and files. */
export interface KubeApiServerFacts {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** PEM of the CA that signed the serving certificate (also what the kubeconfigs embed). */
  caPem: string;
  caFile: string;
  /** Static token of user "tekton-attest-admin" in group system:masters. */
  adminToken: string;
  /** kubeconfig file for the admin token. */
  adminKubeconfigPath: string;
  /** http://127.0.0.1:PORT of the private etcd. */
  etcdUrl: string;
  serviceAccountIssuer: string;
  apiAudiences: string[];
  /** Temp dir holding certs, keys, etcd data and logs (removed by stop()). */
  dir: string;
  logFiles: { etcd: string; apiserver: string };
}

export interface KubeApiServer extends KubeApiServerFacts {
  /** Wall time of startKubeApiServer() until /readyz answered ok, in ms. */
  startupMs: number;

  /** Any request; never throws for an HTTP status (check `status`). */
  request<T = KubeObject>(method: string, path: string, opts?: RequestOptions): Promise<HttpResult<T>>;
  /** GET an object, or undefined on 404. `apiVersion` like "v1" or "tekton.dev/v1". */
  get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  /**
   * Server-side apply one object, an array, or YAML (multi-document) text. Objects with only
   * `metadata.generateName` are created with POST. Returns the objects as stored. Namespaces are
   * not created implicitly. `status` is ignored for kinds with a status subresource: use writeStatus().
   */
  applyManifest(objOrYaml: KubeObject | KubeObject[] | string, opts?: ApplyOptions): Promise<KubeObject[]>;
  /** Apply the real Tekton CRDs (conversion set to None) and wait until they are served. Returns CRD names. */
  installTektonCRDs(opts?: InstallTektonCRDsOptions): Promise<string[]>;
  /** TokenRequest for an existing ServiceAccount. Audience default: the apiserver's own. */
  createServiceAccountToken(
    namespace: string,
    serviceAccount: string,
    audience?: string,
    expirationSeconds?: number,
  ): Promise<string>;
  /**
   * Replace the object's `status` through the /status subresource (GET + PUT, retried on
   * conflicts), as field manager `controller` (Tekton's controller's name). `kind` is a kind ("PipelineRun") or resource ("pipelineruns"). Returns the stored object.
   */
  writeStatus(
    kind: string,
    namespace: string,
    name: string,
    status: KubeObject,
    apiVersion?: string,
  ): Promise<KubeObject>;
  /** kubeconfig YAML for a bearer token (default: admin), with this server's URL and CA. */
  kubeconfig(token?: string, namespace?: string): string;
  /** Write kubeconfig(token, namespace) to a file (default: in the temp dir) and return its path. */
  writeKubeconfig(token: string, path?: string, namespace?: string): Promise<string>;
  /** Kill kube-apiserver and etcd, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Assets

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Paths of kube-apiserver and etcd: envtest variables, else the cache. Throws when missing. */
export function kubeAssets(assetsDir?: string): { kubeApiServer: string; etcd: string } {
  const dir =
    assetsDir ||
    process.env.KUBEBUILDER_ASSETS ||
    join(cacheRoot(), 'peers', `kube-${peerVersions.kubernetes}`);
  const kubeApiServer = (!assetsDir && process.env.TEST_ASSET_KUBE_APISERVER) || join(dir, 'kube-apiserver');
  const etcd = (!assetsDir && process.env.TEST_ASSET_ETCD) || join(dir, 'etcd');
  const missing = [kubeApiServer, etcd].filter((p) => !isExecutable(p));
  if (missing.length > 0) {
    throw new Error(
      `kube test peers missing (${missing.join(', ')}): run scripts/peers/build-kube.sh ` +
        '(or scripts/peers/build-all.sh), or set KUBEBUILDER_ASSETS to a dir with kube-apiserver and etcd',
    );
  }
  return { kubeApiServer, etcd };
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: children die with the test process even when stop() is never called.

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  });
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((res, rej) => {
          const s = net.createServer();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
  return ports;
}

function tail(path: string, lines = 40): string {
  try {
    const all = readFileSync(path, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spawnLogged(bin: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
    liveChildren.add(child);
    child.once('exit', () => liveChildren.delete(child));
    child.once('error', () => liveChildren.delete(child));
    return child;
  } finally {
    closeSync(fd);
  }
}

/**
 * A detached shell that kills the peers and removes their dir if this process dies without
 * stop() (a signal, a crashed or killed test worker), where the 'exit' hook cannot run.
 */
export function spawnWatchdog(pids: number[], dir: string): ChildProcess {
  const script =
    'while kill -0 "$0" 2>/dev/null; do sleep 1; done; d="$1"; shift; kill -9 "$@" 2>/dev/null; rm -rf "$d"';
  const dog = spawn('/bin/sh', ['-c', script, String(process.pid), dir, ...pids.map(String)], {
    detached: true,
    stdio: 'ignore',
  });
  dog.unref();
  return dog;
}

/** Kill a peer. Its data is throwaway, so there is no graceful shutdown to wait for. */
async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}

// ---------------------------------------------------------------------------------------------
// Certificates and keys

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await execFileP('openssl', args, { cwd: dir });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

async function makePki(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3'];
  // biome-ignore format: openssl arguments read best as flag/value pairs
  await openssl(dir, [
    'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt',
    '-subj', '/CN=tekton-attest-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  // biome-ignore format: openssl arguments read best as flag/value pairs
  await openssl(dir, [
    'req', '-x509', '-CA', 'ca.crt', '-CAkey', 'ca.key', ...ec, '-keyout', 'server.key', '-out', 'server.crt',
    '-subj', '/CN=kube-apiserver',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature',
    '-addext', 'extendedKeyUsage=serverAuth',
  ]);
  // Service-account token signing key (RS256, like a real cluster).
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  await writeFile(join(dir, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
}

// Default-on admission plugins that only matter for pods, storage, quotas, webhooks or
// certificates. Dropping them keeps startup lean; NamespaceLifecycle stays (real clusters
// refuse objects in missing namespaces), and so does ValidatingAdmissionPolicy (in-process CEL, no webhook:
// the hardening kit's policy, task/hardening/policy.yaml, is tested on it). All of these exist since
// Kubernetes 1.32.
const DISABLED_ADMISSION_PLUGINS = [
  'LimitRanger',
  'ServiceAccount',
  'TaintNodesByCondition',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
];

// ---------------------------------------------------------------------------------------------
// Start

/** Start etcd + kube-apiserver and wait until /readyz is ok. Retries on a port race. */
export async function startKubeApiServer(opts: StartKubeApiServerOptions = {}): Promise<KubeApiServer> {
  const assets = kubeAssets(opts.assetsDir);
  installExitHook();
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(assets, opts);
    } catch (e) {
      lastError = e;
      if (!(e instanceof Error && /address already in use/i.test(e.message))) throw e;
    }
  }
  throw lastError;
}

async function startOnce(
  assets: { kubeApiServer: string; etcd: string },
  opts: StartKubeApiServerOptions,
): Promise<KubeApiServer> {
  const t0 = performance.now();
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const dir = await mkdtemp(join(tmpdir(), 'tekton-attest-kube-'));
  liveDirs.add(dir);
  const keepDir = opts.keepDir || process.env.TEKTON_ATTEST_KEEP_PEER_DIRS === '1';
  const logFiles = { etcd: join(dir, 'etcd.log'), apiserver: join(dir, 'kube-apiserver.log') };
  const children: ChildProcess[] = [];
  let agent: https.Agent | undefined;

  let watchdog: ChildProcess | undefined;
  const cleanup = async () => {
    agent?.destroy();
    watchdog?.kill('SIGKILL');
    await Promise.all(children.map((c) => killChild(c)));
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  const failure = (what: string) =>
    new Error(
      `${what} (temp dir ${dir})\n--- etcd log (tail) ---\n${tail(logFiles.etcd)}\n` +
        `--- kube-apiserver log (tail) ---\n${tail(logFiles.apiserver)}`,
    );

  try {
    const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = spawnLogged(
      assets.etcd,
      [
        '--name=default',
        `--data-dir=${join(dir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--initial-cluster-state=new',
        '--unsafe-no-fsync=true',
        '--log-level=warn',
        ...(opts.extraEtcdArgs ?? []),
      ],
      logFiles.etcd,
    );
    children.push(etcd);
    // Certificates and keys are made while etcd starts.
    const adminToken = randomBytes(24).toString('hex');
    await Promise.all([
      makePki(dir),
      writeFile(
        join(dir, 'tokens.csv'),
        `${adminToken},tekton-attest-admin,tekton-attest-admin,"system:masters"\n`,
        { mode: 0o600 },
      ),
      waitFor(
        'etcd /health',
        deadline,
        [etcd],
        async () => (await plainGet(`${etcdUrl}/health`)).includes('"health":"true"'),
        failure,
      ),
    ]);

    const issuer = opts.serviceAccountIssuer ?? 'https://kubernetes.default.svc.cluster.local';
    const audiences = opts.apiAudiences ?? [issuer];
    const apiserver = spawnLogged(
      assets.kubeApiServer,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'cert-dir')}`,
        `--tls-cert-file=${join(dir, 'server.crt')}`,
        `--tls-private-key-file=${join(dir, 'server.key')}`,
        `--client-ca-file=${join(dir, 'ca.crt')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-issuer=${issuer}`,
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        `--api-audiences=${audiences.join(',')}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        `--disable-admission-plugins=${DISABLED_ADMISSION_PLUGINS.filter((p) => !(opts.serviceAccountAdmission && p === 'ServiceAccount')).join(',')}`,
        '--profiling=false',
        ...(opts.extraApiServerArgs ?? []),
      ],
      logFiles.apiserver,
    );
    children.push(apiserver);
    const pids = children.map((c) => c.pid).filter((p): p is number => p !== undefined);
    watchdog = spawnWatchdog(pids, keepDir ? '' : dir);

    const caPem = await readFile(join(dir, 'ca.crt'), 'utf8');
    agent = new https.Agent({ ca: caPem, keepAlive: true, maxSockets: 16 });
    const url = `https://127.0.0.1:${apiPort}`;
    const server = makeServer({
      url,
      port: apiPort,
      caPem,
      caFile: join(dir, 'ca.crt'),
      adminToken,
      adminKubeconfigPath: join(dir, 'admin.kubeconfig'),
      etcdUrl,
      serviceAccountIssuer: issuer,
      apiAudiences: audiences,
      dir,
      logFiles,
      agent,
      cleanup,
    });
    await writeFile(server.adminKubeconfigPath, server.kubeconfig(adminToken), { mode: 0o600 });

    await waitFor(
      'kube-apiserver /readyz',
      deadline,
      [etcd, apiserver],
      async () => (await server.request('GET', '/readyz')).status === 200,
      failure,
    );
    server.startupMs = Math.round(performance.now() - t0);
    return server;
  } catch (e) {
    const err =
      e instanceof Error && e.message.includes('--- etcd log') ? e : failure(`startup failed: ${e}`);
    await cleanup();
    throw err;
  }
}

function plainGet(url: string): Promise<string> {
  return new Promise((res, rej) => {
    const req = http.get(url, { timeout: 2000 }, (r) => {
      let s = '';
      r.setEncoding('utf8');
      r.on('data', (d) => {
        s += d;
      });
      r.on('end', () => res(s));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
  });
}

async function waitFor(
  what: string,
  deadline: number,
  children: ChildProcess[],
  probe: () => Promise<boolean>,
  failure: (what: string) => Error,
): Promise<void> {
  let delay = 50;
  for (;;) {
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (dead) {
      // Let the log flush.
      await sleep(50);
      throw failure(`${what}: ${dead.spawnfile} exited (${dead.exitCode ?? dead.signalCode})`);
    }
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw failure(`${what}: not ready before the timeout`);
    await sleep(delay);
    delay = Math.min(delay * 1.5, 250);
  }
}

// ---------------------------------------------------------------------------------------------
// The server object

interface ServerInit extends KubeApiServerFacts {
  agent: https.Agent;
  cleanup: () => Promise<void>;
}

interface ResourceInfo {
  resource: string;
  namespaced: boolean;
  kind: string;
}

function gvPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function makeServer(init: ServerInit): KubeApiServer {
  const { agent, cleanup, ...fields } = init;
  const discovery = new Map<string, Promise<ResourceInfo[]>>();
  let stopped: Promise<void> | undefined;

  const request = <T = KubeObject>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<HttpResult<T>> => {
    const target = new URL(path, init.url);
    for (const [k, v] of Object.entries(opts.query ?? {})) target.searchParams.set(k, v);
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = opts.token === undefined ? init.adminToken : opts.token;
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.isBuffer(opts.body)
        ? opts.body
        : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    return new Promise((res, rej) => {
      const req = https.request(target, { method, headers, agent, timeout: 30_000 }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (d: Buffer) => chunks.push(d));
        r.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          res({ status: r.statusCode ?? 0, body: body as T, text, headers: r.headers });
        });
        r.on('error', rej);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on('error', rej);
      req.end(payload);
    });
  };

  const must = async (method: string, path: string, opts: RequestOptions = {}): Promise<KubeObject> => {
    const r = await request(method, path, opts);
    if (r.status < 200 || r.status > 299) throw new KubeHttpError(method, path, r.status, r.body, r.text);
    return r.body;
  };

  const resources = (apiVersion: string): Promise<ResourceInfo[]> => {
    let p = discovery.get(apiVersion);
    if (!p) {
      p = must('GET', gvPath(apiVersion)).then((list) =>
        (list.resources as KubeObject[])
          .filter((r) => !String(r.name).includes('/'))
          .map((r) => ({ resource: r.name, namespaced: r.namespaced, kind: r.kind })),
      );
      p.catch(() => discovery.delete(apiVersion));
      discovery.set(apiVersion, p);
    }
    return p;
  };

  const resolve = async (apiVersion: string, kind: string): Promise<ResourceInfo> => {
    const want = kind.toLowerCase();
    const find = (list: ResourceInfo[]) =>
      list.find((r) => r.kind.toLowerCase() === want || r.resource === want);
    let hit = find(await resources(apiVersion).catch(() => []));
    if (!hit) {
      discovery.delete(apiVersion); // maybe a CRD appeared since
      hit = find(await resources(apiVersion));
    }
    if (!hit) throw new Error(`the apiserver serves no kind or resource "${kind}" in ${apiVersion}`);
    return hit;
  };

  const objectPath = (
    apiVersion: string,
    info: ResourceInfo,
    namespace: string | undefined,
    name?: string,
  ) => {
    let p = gvPath(apiVersion);
    if (info.namespaced) {
      if (!namespace) throw new Error(`${info.kind} is namespaced: a namespace is required`);
      p += `/namespaces/${encodeURIComponent(namespace)}`;
    }
    p += `/${info.resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    return p;
  };

  const server: KubeApiServer = {
    ...fields,
    startupMs: 0,
    request,

    async get(apiVersion, kind, name, namespace) {
      const info = await resolve(apiVersion, kind);
      const path = objectPath(apiVersion, info, namespace, name);
      const r = await request('GET', path);
      if (r.status === 404) return undefined;
      if (r.status !== 200) throw new KubeHttpError('GET', path, r.status, r.body, r.text);
      return r.body;
    },

    async applyManifest(objOrYaml, opts = {}) {
      let objs: KubeObject[];
      if (typeof objOrYaml === 'string') {
        objs = [];
        for (const doc of parseAllDocuments(objOrYaml)) {
          if (doc.errors.length > 0) throw new Error(`applyManifest: YAML error: ${doc.errors[0]?.message}`);
          const v = doc.toJS() as KubeObject | null;
          if (v == null) continue;
          if (v.kind === 'List' && Array.isArray(v.items)) objs.push(...(v.items as KubeObject[]));
          else objs.push(v);
        }
      } else {
        objs = Array.isArray(objOrYaml) ? objOrYaml : [objOrYaml];
      }
      const out: KubeObject[] = [];
      for (const obj of objs) {
        const { apiVersion, kind } = obj;
        if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
          throw new Error(
            `applyManifest: object without apiVersion/kind: ${JSON.stringify(obj).slice(0, 200)}`,
          );
        }
        const info = await resolve(apiVersion, kind);
        const ns = info.namespaced ? (obj.metadata?.namespace ?? opts.namespace ?? 'default') : undefined;
        const body = info.namespaced ? { ...obj, metadata: { ...obj.metadata, namespace: ns } } : obj;
        const name = obj.metadata?.name as string | undefined;
        if (!name) {
          if (!obj.metadata?.generateName) throw new Error(`applyManifest: ${kind} without metadata.name`);
          out.push(await must('POST', objectPath(apiVersion, info, ns), { body }));
          continue;
        }
        out.push(
          await must('PATCH', objectPath(apiVersion, info, ns, name), {
            body,
            contentType: 'application/apply-patch+yaml',
            query: { fieldManager: opts.fieldManager ?? 'tekton-attest-test', force: 'true' },
          }),
        );
        if (kind === 'CustomResourceDefinition') discovery.clear();
      }
      return out;
    },

    async installTektonCRDs(opts = {}) {
      const dir = opts.dir ?? (await tektonCrdDir(opts.version));
      const crds = loadCrds(dir);
      if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${dir}`);
      await Promise.all(crds.map((crd) => server.applyManifest(crd)));
      const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      const names = crds.map((c) => c.metadata.name as string);
      for (const name of names) {
        for (;;) {
          const crd = await must('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
          const conds = (crd.status?.conditions ?? []) as KubeObject[];
          if (conds.some((c) => c.type === 'Established' && c.status === 'True')) break;
          if (Date.now() > deadline) throw new Error(`CRD ${name} not Established: ${JSON.stringify(conds)}`);
          await sleep(50);
        }
      }
      // Established precedes discovery by a moment: wait until every served version lists its plural.
      discovery.clear();
      for (const crd of crds) {
        for (const v of crd.spec.versions as KubeObject[]) {
          if (!v.served) continue;
          const gv = `${crd.spec.group}/${v.name}`;
          for (;;) {
            const r = await request<KubeObject>('GET', gvPath(gv));
            const list = (r.status === 200 ? r.body.resources : []) as KubeObject[];
            if (list.some((x) => x.name === crd.spec.names.plural)) break;
            if (Date.now() > deadline) throw new Error(`${crd.spec.names.plural}.${gv} not in discovery`);
            await sleep(50);
          }
        }
      }
      discovery.clear();
      return names;
    },

    async createServiceAccountToken(namespace, serviceAccount, audience, expirationSeconds = 3600) {
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`;
      const tr = await must('POST', path, {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { audiences: audience ? [audience] : [], expirationSeconds },
        },
      });
      return tr.status.token as string;
    },

    async writeStatus(kind, namespace, name, status, apiVersion = 'tekton.dev/v1') {
      const info = await resolve(apiVersion, kind);
      const path = objectPath(apiVersion, info, namespace, name);
      for (let attempt = 0; ; attempt++) {
        const current = await must('GET', path);
        // As Tekton's controller writes it: attest trusts run status only from that field manager.
        const r = await request('PUT', `${path}/status`, {
          body: { ...current, status },
          query: { fieldManager: 'controller' },
        });
        if (r.status >= 200 && r.status < 300) return r.body;
        if (r.status !== 409 || attempt >= 5)
          throw new KubeHttpError('PUT', `${path}/status`, r.status, r.body, r.text);
      }
    },

    kubeconfig(token = init.adminToken, namespace = 'default') {
      return yamlStringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'tekton-attest-test',
            cluster: {
              server: init.url,
              'certificate-authority-data': Buffer.from(init.caPem).toString('base64'),
            },
          },
        ],
        users: [{ name: 'user', user: { token } }],
        contexts: [
          { name: 'tekton-attest-test', context: { cluster: 'tekton-attest-test', user: 'user', namespace } },
        ],
        'current-context': 'tekton-attest-test',
      });
    },

    async writeKubeconfig(token, path, namespace) {
      const file = path ?? join(init.dir, `kubeconfig-${randomBytes(4).toString('hex')}`);
      await writeFile(file, server.kubeconfig(token, namespace), { mode: 0o600 });
      return file;
    },

    stop() {
      stopped ??= cleanup();
      return stopped;
    },
  };
  return server;
}

// ---------------------------------------------------------------------------------------------
// Tekton CRDs from the Go module cache

const crdCache = new Map<string, KubeObject[]>();

/** The CRDs in `dir`, with conversion set to None (no conversion webhook runs here). Memoized. */
function loadCrds(dir: string): KubeObject[] {
  let crds = crdCache.get(dir);
  if (!crds) {
    crds = [];
    const files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    for (const file of files) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const v = doc.toJS() as KubeObject | null;
        if (v?.kind !== 'CustomResourceDefinition') continue;
        // Every served version then returns the stored object as is, with its apiVersion set.
        v.spec.conversion = { strategy: 'None' };
        crds.push(v);
      }
    }
    crdCache.set(dir, crds);
  }
  return crds;
}

/** Directory of the Tekton CRD YAML (config/300-crds of github.com/tektoncd/pipeline@version). */
export async function tektonCrdDir(version: string = peerVersions.tektonPipeline): Promise<string> {
  if (process.env.TEKTON_CRDS_DIR) return process.env.TEKTON_CRDS_DIR;
  const cached = join(goModCache(), `github.com/tektoncd/pipeline@${version}`, 'config', '300-crds');
  if (existsSync(cached)) return cached;
  // Not downloaded yet (scripts/peers/build-all.sh does it up front).
  try {
    const { stdout } = await execFileP(
      'go',
      ['mod', 'download', '-json', `github.com/tektoncd/pipeline@${version}`],
      {
        env: { ...process.env, GOFLAGS: '-mod=mod' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(info.Error ?? 'no Dir in go mod download output');
    return join(info.Dir, 'config', '300-crds');
  } catch (e) {
    throw new Error(
      `cannot get the Tekton CRDs (github.com/tektoncd/pipeline@${version}): ${e}. ` +
        'Run scripts/peers/build-all.sh or set TEKTON_CRDS_DIR.',
    );
  }
}
