// A real registry for tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1, one process per
// variant: anonymous, htpasswd Basic auth, Bearer tokens from a token server written here, TLS with a test CA.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface RegistryOptions {
  auth?: RegistryAuth;
  tls?: boolean;
  /** Logins (Basic and token auth). Default: `writer` (pull, push) and `reader` (pull only). */
  users?: Record<string, { password: string; actions: string[] }>;
  /**
   * Answer blob reads with a 307 to a separate blob store (another port: another host), as Docker Hub, GHCR,
   * ECR and Quay send them to a CDN: the registry's `redirect` storage middleware, pointed at a file server
   * over its storage directory.
   */
  redirectBlobs?: boolean;
}

/** The blob store a redirecting registry sends reads to, and what it was asked. */
export interface BlobStore {
  url: string;
  requests: { method: string; path: string; authorization: string | undefined }[];
  /** When set, every read is answered with this status (a failing CDN). */
  failWith?: number;
}

export interface TestRegistry {
  /** host:port */
  host: string;
  /** http(s)://host:port */
  url: string;
  auth: RegistryAuth;
  tls: boolean;
  /** The test CA (PEM file) when tls. */
  caFile?: string;
  users: Record<string, { password: string; actions: string[] }>;
  /** Token requests the token server answered (token auth), for cache assertions. */
  tokenRequests: string[];
  /** Set with `redirectBlobs`. */
  blobStore?: BlobStore;
  /** A directory with a docker config.json holding this login for this registry. */
  dockerConfig(user: string, password?: string): string;
  dir: string;
  stop(): Promise<void>;
}

export const DEFAULT_USERS = {
  writer: { password: 'writer-secret-pw', actions: ['pull', 'push'] },
  reader: { password: 'reader-secret-pw', actions: ['pull'] },
};

/** Installs docker-registry (and htpasswd) with apt when missing; the machines run tests as root. */
export function ensureRegistryInstalled(): string {
  const missing = ['docker-registry', 'htpasswd'].filter((bin) => !onPath(bin));
  if (missing.length > 0) {
    const packages = missing.map((bin) => (bin === 'htpasswd' ? 'apache2-utils' : 'docker-registry'));
    execFileSync('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=300', ...packages], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  return 'docker-registry';
}

function onPath(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI. */
export function makeTestCa(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  run([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-sha256',
    '-days',
    '2',
    '-subj',
    '/CN=tekton-attest test CA',
    '-out',
    caFile,
  ]);
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);
  run(['req', '-new', '-key', keyFile, '-subj', '/CN=127.0.0.1', '-out', csr]);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    certFile,
  ]);
  return { caFile, certFile, keyFile };
}

/** The token server's signing key and self-signed certificate (the registry's rootcertbundle). */
function makeTokenKey(dir: string): { keyFile: string; certFile: string } {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.pem');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile], {
    stdio: 'pipe',
  });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-sha256',
      '-days',
      '2',
      '-subj',
      '/CN=test token issuer',
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  return { keyFile, certFile };
}

const ISSUER = 'tekton-attest-test-issuer';
const SERVICE = 'tekton-attest-test-registry';

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * A docker token server (https://distribution.github.io/distribution/spec/auth/token/): checks Basic
 * credentials, grants the requested actions the user has (anonymous: none), and signs an ES256 JWT whose
 * `x5c` header carries the certificate the registry trusts (distribution 2.8 verifies that chain).
 */
async function startTokenServer(
  dir: string,
  users: TestRegistry['users'],
  log: string[],
): Promise<{ server: Server; realm: string; certFile: string }> {
  const { keyFile, certFile } = makeTokenKey(dir);
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = Buffer.from(
    readFileSync(certFile, 'utf8')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    log.push(url.search);
    let user: string | undefined;
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Basic ')) {
      const [name = '', password] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(/:(.*)/s);
      if (users[name]?.password !== password) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      user = name;
    }
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const [type, name, actions = ''] = scope.split(':');
      const allowed = user ? (users[user]?.actions ?? []) : [];
      const granted = actions.split(',').filter((a) => allowed.includes(a));
      return type && name ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const head = { typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: ISSUER,
      sub: user ?? '',
      aud: url.searchParams.get('service') ?? '',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${signingInput}.${b64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, realm: `http://127.0.0.1:${port}/token`, certFile };
}

/** Starts one registry; `stop()` kills it and removes its storage. */
export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const bin = ensureRegistryInstalled();
  const auth = options.auth ?? 'none';
  const tls = options.tls ?? false;
  const users: TestRegistry['users'] = options.users ?? DEFAULT_USERS;
  const dir = mkdtempSync(join(tmpdir(), 'tekton-attest-registry-'));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const tokenRequests: string[] = [];
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  let caFile: string | undefined;
  if (tls) {
    const ca = makeTestCa(dir);
    caFile = ca.caFile;
    lines.push('  tls:', `    certificate: ${ca.certFile}`, `    key: ${ca.keyFile}`);
  }
  let tokenServer: Server | undefined;
  if (auth === 'basic') {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, '');
    for (const [name, { password }] of Object.entries(users)) {
      execFileSync('htpasswd', ['-bB', htpasswd, name, password], { stdio: 'pipe' });
    }
    lines.push('auth:', '  htpasswd:', '    realm: tekton-attest-test', `    path: ${htpasswd}`);
  } else if (auth === 'token') {
    const token = await startTokenServer(dir, users, tokenRequests);
    tokenServer = token.server;
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${token.realm}`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${token.certFile}`,
    );
  }
  let blobStore: (BlobStore & { server: Server }) | undefined;
  if (options.redirectBlobs) {
    blobStore = await startBlobStore(join(dir, 'data'));
    lines.push(
      'middleware:',
      '  storage:',
      '    - name: redirect',
      '      options:',
      `        baseurl: ${blobStore.url}`,
    );
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, `${lines.join('\n')}\n`);
  const child = spawn(bin, ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  // A test worker that dies without stop() must not leave the registry running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const url = `${tls ? 'https' : 'http'}://${host}`;
  await waitUntilServing(child, url, caFile, () => stderr.join(''));
  return {
    host,
    url,
    auth,
    tls,
    ...(caFile ? { caFile } : {}),
    users,
    tokenRequests,
    ...(blobStore ? { blobStore } : {}),
    dir,
    dockerConfig(user, password) {
      const configDir = join(dir, `docker-config-${user}-${randomBytes(4).toString('hex')}`);
      mkdirSync(configDir);
      const secret = password ?? users[user]?.password ?? '';
      const config = { auths: { [host]: { auth: Buffer.from(`${user}:${secret}`).toString('base64') } } };
      writeFileSync(join(configDir, 'config.json'), JSON.stringify(config));
      return configDir;
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
      for (const server of [tokenServer, blobStore?.server]) {
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A file server over the registry's storage directory: the "CDN" of `redirectBlobs`. */
async function startBlobStore(root: string): Promise<BlobStore & { server: Server }> {
  const store: Omit<BlobStore, 'url'> = { requests: [] };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://blobs').pathname;
    store.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization });
    if (store.failWith !== undefined) {
      res.writeHead(store.failWith).end();
      return;
    }
    const file = join(root, decodeURIComponent(path));
    let data: Buffer;
    try {
      if (!file.startsWith(`${root}/`)) throw new Error('outside the store');
      data = readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return Object.assign(store, { server, url: `http://127.0.0.1:${port}` });
}

async function waitUntilServing(
  child: ChildProcess,
  url: string,
  caFile: string | undefined,
  logs: () => string,
): Promise<void> {
  const request = url.startsWith('https') ? httpsRequest : httpRequest;
  const ca = caFile ? readFileSync(caFile) : undefined;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${logs()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = request(`${url}/v2/`, { ca }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopChild(child);
  throw new Error(`docker-registry did not start at ${url}: ${logs()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
