// A test Fulcio and Rekor: sigstore's own mock handlers (@sigstore/mock) served over real HTTP on
// 127.0.0.1, wrapped with the checks the real services make that the mocks skip, plus a trusted_root.json
// and a Kubernetes-shaped OIDC issuer whose projected service-account tokens the test Fulcio accepts.
//
// What the wrappers add, and why:
// - Fulcio: the mock decodes the token without checking it and puts the raw `sub` into the SAN. The real
//   Fulcio (kubernetes issuer type) verifies the token signature, issuer, audience (`sigstore`) and expiry,
//   checks the proof of possession (a signature over `sub`), and derives the SAN
//   `https://kubernetes.io/namespaces/NS/serviceaccounts/SA` from the `kubernetes.io` claim. The wrapper does
//   all of that and answers like Fulcio (401 for a bad token), then lets the mock CA issue the certificate.
// - Rekor: the mock signs whatever entry was proposed. The real Rekor verifies the DSSE signatures against
//   the verifiers and stores a canonicalized `dsse` 0.0.1 body (envelopeHash, payloadHash, signatures) that
//   cosign checks against the layer bytes; for a `hashedrekord` 0.0.1 entry (cosign's image signatures) it
//   verifies the signature over the given sha256 digest with the given key or certificate. The wrapper
//   verifies and canonicalizes the same way (the digest check with `openssl pkeyutl`: Node cannot verify a
//   signature over a pre-computed digest), answers 409 for a duplicate, and serves GET by logIndex and by UUID.

import { spawnSync } from 'node:child_process';
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, rekorHandler } from '@sigstore/mock';
import { makeTestCa } from './registry.js';

/** The issuer a cluster's API server puts into projected service-account tokens by default. */
export const TEST_OIDC_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const FULCIO_AUDIENCE = 'sigstore';

export interface TokenClaims {
  namespace: string;
  serviceAccount: string;
  audience?: string | string[];
  issuer?: string;
  /** Seconds from now; negative = already expired. Default 600. */
  expiresIn?: number;
  /** Sign with a key the test Fulcio does not trust. */
  untrustedKey?: boolean;
}

export interface LoggedEntry {
  uuid: string;
  logIndex: number;
  /** The entry as proposed by the client. */
  proposed: Record<string, unknown>;
  /** The canonicalized body Rekor signed (decoded). */
  body: Record<string, unknown>;
  /** The full response object for the entry (what GET returns under the UUID). */
  response: Record<string, unknown>;
}

export type Service = 'fulcio' | 'rekor';

export interface SigstoreStack {
  fulcioUrl: string;
  rekorUrl: string;
  issuer: string;
  /** sigstore trusted_root.json (Fulcio root, Rekor key, CT log key), as a file. */
  trustedRootPath: string;
  trustedRoot: Record<string, unknown>;
  /** PEM files for cosign's SIGSTORE_ROOT_FILE / SIGSTORE_REKOR_PUBLIC_KEY / SIGSTORE_CT_LOG_PUBLIC_KEY_FILE. */
  fulcioRootPemPath: string;
  rekorPublicKeyPemPath: string;
  ctlogPublicKeyPemPath: string;
  rekorPublicKeyPem: string;
  /** Every entry the test Rekor logged, in order. */
  entries: LoggedEntry[];
  /** Requests each service received (including failed ones). */
  requests: Record<Service, number>;
  /** Certificates the test Fulcio issued (leaf PEMs). */
  issued: string[];
  /** A projected service-account token (JWT) from the test issuer. */
  mintToken(claims: TokenClaims): string;
  /** Writes a token to a fresh file (as the kubelet's projected volume would) and returns its path. */
  writeToken(claims: TokenClaims): string;
  /** The next `count` requests to `service` fail with `status` (before reaching the mock). */
  failNext(service: Service, count: number, status?: number): void;
  /** Rekor answers `status` to every proposed entry of `kind` (e.g. `hashedrekord`); undefined: none. */
  refuseKind(kind: string | undefined, status?: number): void;
  /** A URL where nothing listens (a service that is down). */
  deadUrl: string;
  /** With `tls`: the test CA that issued the servers' certificate (PEM file). */
  caFile?: string;
  dir: string;
  stop(): Promise<void>;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

interface ProposedDsse {
  kind: 'dsse';
  apiVersion: '0.0.1';
  spec: { proposedContent: { envelope: string; verifiers: string[] } };
}

interface ProposedHashedRekord {
  kind: 'hashedrekord';
  apiVersion: '0.0.1';
  spec: {
    data?: { hash?: { algorithm?: string; value?: string } };
    signature?: { content?: string; publicKey?: { content?: string } };
  };
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

interface Tls {
  cert: Buffer;
  key: Buffer;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  tls?: Tls,
): Promise<Server> {
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((error: unknown) => {
      if (error instanceof HttpFailure) {
        sendJson(res, error.status, { code: error.status, message: error.message }, error.headers);
      } else {
        sendJson(res, 500, { code: 500, message: String(error) });
      }
    });
  };
  const server: Server = tls ? createHttpsServer(tls, serve) : createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function urlOf(server: Server, tls = false): string {
  return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function unusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = urlOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

/** A verifier as Rekor accepts it: a PEM public key or a PEM certificate (whose key is used). */
function verifierKey(pem: string): KeyObject {
  return pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

function verifyWith(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  const digest = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  try {
    return verify(digest, data, key, signature);
  } catch {
    return false;
  }
}

/**
 * What rekor's pkg/types/dsse/v0.0.1 does with a proposed entry: verify every signature against the
 * verifiers, hash the envelope string exactly as sent, hash the decoded payload, and keep only hashes,
 * signatures and verifiers.
 */
function canonicalizeDsse(proposed: ProposedDsse): Record<string, unknown> {
  const { envelope, verifiers } = proposed.spec.proposedContent;
  const parsed = JSON.parse(envelope) as {
    payloadType: string;
    payload: string;
    signatures: { sig: string }[];
  };
  const payload = Buffer.from(parsed.payload, 'base64');
  const data = pae(parsed.payloadType, payload);
  const keys = verifiers.map((v) => ({
    pem: Buffer.from(v, 'base64').toString('utf8'),
    key: null as KeyObject | null,
  }));
  for (const k of keys) k.key = verifierKey(k.pem);
  const signatures = parsed.signatures
    .map((s) => {
      const match = keys.find((k) => k.key && verifyWith(k.key, data, Buffer.from(s.sig, 'base64')));
      if (!match) throw new HttpFailure(400, 'could not verify envelope signature against any verifier');
      return { signature: s.sig, verifier: Buffer.from(match.pem).toString('base64') };
    })
    .sort((a, b) => a.signature.localeCompare(b.signature));
  const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256(payload) },
      signatures,
    },
  };
}

/**
 * Verifies `signature` over a sha256 `digest` (not over the data) with a PEM key or certificate, as Rekor's
 * hashedrekord does: ECDSA and RSA PKCS#1 v1.5. An Ed25519 key cannot sign a digest this way and fails.
 */
function verifyDigestSignature(dir: string, verifierPem: string, digest: Buffer, signature: Buffer): boolean {
  const keyFile = join(dir, `verifier-${randomUUID()}.pem`);
  const digestFile = `${keyFile}.digest`;
  const signatureFile = `${keyFile}.sig`;
  writeFileSync(keyFile, String(verifierKey(verifierPem).export({ format: 'pem', type: 'spki' })));
  writeFileSync(digestFile, digest);
  writeFileSync(signatureFile, signature);
  try {
    const result = spawnSync('openssl', [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      keyFile,
      '-in',
      digestFile,
      '-sigfile',
      signatureFile,
      '-pkeyopt',
      'digest:sha256',
    ]);
    return result.status === 0;
  } finally {
    for (const file of [keyFile, digestFile, signatureFile]) rmSync(file, { force: true });
  }
}

/**
 * What rekor's pkg/types/hashedrekord/v0.0.1 does with a proposed entry: require a sha256 digest, verify the
 * signature over it with the public key or certificate, and keep the digest, signature and key.
 */
function canonicalizeHashedRekord(proposed: ProposedHashedRekord, dir: string): Record<string, unknown> {
  const hash = proposed.spec.data?.hash;
  const signature = proposed.spec.signature?.content;
  const publicKey = proposed.spec.signature?.publicKey?.content;
  if (hash?.algorithm !== 'sha256' || !/^[0-9a-f]{64}$/.test(hash.value ?? '')) {
    throw new HttpFailure(400, 'hashedrekord needs a sha256 hex digest');
  }
  if (!signature || !publicKey) throw new HttpFailure(400, 'hashedrekord needs a signature and a public key');
  const pem = Buffer.from(publicKey, 'base64').toString('utf8');
  let verified: boolean;
  try {
    verified = verifyDigestSignature(
      dir,
      pem,
      Buffer.from(hash.value ?? '', 'hex'),
      Buffer.from(signature, 'base64'),
    );
  } catch {
    verified = false;
  }
  if (!verified) throw new HttpFailure(400, 'could not verify the signature over the digest with the key');
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: hash.value } },
      signature: { content: signature, publicKey: { content: publicKey } },
    },
  };
}

export interface SigstoreOptions {
  /**
   * Make the test Rekor behave like the bare mock: log the proposed entry as is, without verifying or
   * canonicalizing it (to show what the client does when a log answers with a body cosign would reject).
   */
  rekorStoresProposed?: boolean;
  /** Serve HTTPS with a fresh test CA (`caFile`), as a private deployment with an internal CA would. */
  tls?: boolean;
  /**
   * Also accept tokens signed by this key: a real cluster's service-account signing key (from its
   * /openid/v1/jwks, as Fulcio's kubernetes issuer fetches it), for pods whose tokens a kube-apiserver issued.
   */
  clusterIssuerKey?: KeyObject;
}

export async function startSigstore(options: SigstoreOptions = {}): Promise<SigstoreStack> {
  const dir = mkdtempSync(join(tmpdir(), 'tekton-attest-sigstore-'));
  const testCa = options.tls ? makeTestCa(dir) : undefined;
  const tls = testCa ? { cert: readFileSync(testCa.certFile), key: readFileSync(testCa.keyFile) } : undefined;
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ctKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const rekorKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const issuerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ctlog = await initializeCTLog(ctKeys);
  const ca = await initializeCA(caKeys, ctlog);
  const fulcio = fulcioHandler(ca, { subjectClaim: 'sub' });

  const failures: Record<Service, { count: number; status: number }> = {
    fulcio: { count: 0, status: 503 },
    rekor: { count: 0, status: 503 },
  };
  const requests: Record<Service, number> = { fulcio: 0, rekor: 0 };
  let refused: { kind: string; status: number } | undefined;
  const entries: LoggedEntry[] = [];
  const issued: string[] = [];
  const injectFailure = (service: Service) => {
    requests[service] += 1;
    const failure = failures[service];
    if (failure.count > 0) {
      failure.count -= 1;
      throw new HttpFailure(failure.status, `injected ${service} failure`);
    }
  };

  const mintToken = (claims: TokenClaims): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', kid: 'test-issuer-key' };
    const payload = {
      aud: claims.audience === undefined ? [FULCIO_AUDIENCE] : claims.audience,
      exp: now + (claims.expiresIn ?? 600),
      iat: now - 5,
      nbf: now - 5,
      iss: claims.issuer ?? TEST_OIDC_ISSUER,
      jti: randomUUID(),
      'kubernetes.io': {
        namespace: claims.namespace,
        pod: { name: `${claims.serviceAccount}-pod`, uid: randomUUID() },
        serviceaccount: { name: claims.serviceAccount, uid: randomUUID() },
      },
      sub: `system:serviceaccount:${claims.namespace}:${claims.serviceAccount}`,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const key = claims.untrustedKey ? strangerKeys.privateKey : issuerKeys.privateKey;
    return `${signingInput}.${b64url(sign('sha256', Buffer.from(signingInput), key))}`;
  };

  // Fulcio's kubernetes issuer: check the token as the real service does, then let the mock CA issue.
  const fulcioServer = await listen(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/api/v2/signingCert') throw new HttpFailure(404, 'not found');
    injectFailure('fulcio');
    const body = JSON.parse(await readBody(req)) as {
      credentials: { oidcIdentityToken: string };
      publicKeyRequest: { publicKey: { content: string }; proofOfPossession: string };
    };
    const token = body.credentials.oidcIdentityToken;
    const [h, p, s] = token.split('.');
    const unauthenticated = () => new HttpFailure(401, 'There was an error processing the identity token');
    if (!h || !p || !s) throw unauthenticated();
    const trusted = [issuerKeys.publicKey, ...(options.clusterIssuerKey ? [options.clusterIssuerKey] : [])];
    if (
      !trusted.some((key) => verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')))
    ) {
      throw unauthenticated();
    }
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as {
      iss: string;
      aud: string | string[];
      exp: number;
      sub: string;
      'kubernetes.io'?: { namespace?: string; serviceaccount?: { name?: string } };
    };
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (claims.iss !== TEST_OIDC_ISSUER || !audiences.includes(FULCIO_AUDIENCE)) throw unauthenticated();
    if (claims.exp <= Math.floor(Date.now() / 1000)) throw unauthenticated();
    const k8s = claims['kubernetes.io'];
    if (!k8s?.namespace || !k8s.serviceaccount?.name) throw unauthenticated();
    const publicKey = createPublicKey(body.publicKeyRequest.publicKey.content);
    const proof = Buffer.from(body.publicKeyRequest.proofOfPossession, 'base64');
    if (!verify('sha256', Buffer.from(claims.sub), publicKey, proof)) {
      throw new HttpFailure(400, 'The signature supplied in the request could not be verified');
    }
    const san = `https://kubernetes.io/namespaces/${k8s.namespace}/serviceaccounts/${k8s.serviceaccount.name}`;
    // The mock reads the SAN from `sub` and the issuer extension from `iss` of an (unverified) token.
    const mapped = `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ iss: claims.iss, sub: san }))}.`;
    const result = await fulcio.fn(JSON.stringify({ ...body, credentials: { oidcIdentityToken: mapped } }));
    if (result.statusCode === 201) {
      const chain = JSON.parse(String(result.response)) as {
        signedCertificateEmbeddedSct: { chain: { certificates: string[] } };
      };
      issued.push(chain.signedCertificateEmbeddedSct.chain.certificates[0] ?? '');
    }
    sendJson(res, result.statusCode, String(result.response));
  }, tls);

  const rekorServer = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://rekor');
    injectFailure('rekor');
    if (url.pathname === '/api/v1/log/entries' && req.method === 'POST') {
      const proposed = JSON.parse(await readBody(req)) as Record<string, unknown>;
      if (refused && proposed.kind === refused.kind) {
        throw new HttpFailure(refused.status, `injected failure for ${refused.kind} entries`);
      }
      let canonical: Record<string, unknown>;
      if (options.rekorStoresProposed) {
        canonical = proposed;
      } else if (proposed.kind === 'dsse' && proposed.apiVersion === '0.0.1') {
        canonical = canonicalizeDsse(proposed as unknown as ProposedDsse);
      } else if (proposed.kind === 'hashedrekord' && proposed.apiVersion === '0.0.1') {
        canonical = canonicalizeHashedRekord(proposed as unknown as ProposedHashedRekord, dir);
      } else {
        throw new HttpFailure(
          400,
          `unsupported entry kind ${String(proposed.kind)} ${String(proposed.apiVersion)}`,
        );
      }
      const canonicalJson = JSON.stringify(canonical);
      const duplicate = entries.find((e) => JSON.stringify(e.body) === canonicalJson);
      if (duplicate) {
        throw new HttpFailure(409, 'An equivalent entry already exists in the transparency log', {
          location: `/api/v1/log/entries/${duplicate.uuid}`,
        });
      }
      const result = await rekor.fn(canonicalJson);
      if (result.statusCode !== 201) {
        sendJson(res, result.statusCode, { code: result.statusCode, message: String(result.response) });
        return;
      }
      const logged = JSON.parse(String(result.response)) as Record<string, Record<string, unknown>>;
      const [uuid, response] = Object.entries(logged)[0] ?? [];
      if (!uuid || !response) throw new Error('mock rekor returned no entry');
      entries.push({
        uuid,
        logIndex: Number(response.logIndex),
        proposed,
        body: JSON.parse(Buffer.from(String(response.body), 'base64').toString('utf8')),
        response,
      });
      sendJson(res, 201, logged, { location: `/api/v1/log/entries/${uuid}` });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/log/entries') {
      const index = Number(url.searchParams.get('logIndex'));
      const entry = entries.find((e) => e.logIndex === index);
      if (!entry) throw new HttpFailure(404, `no entry at logIndex ${index}`);
      sendJson(res, 200, { [entry.uuid]: entry.response });
      return;
    }
    const byUuid = /^\/api\/v1\/log\/entries\/([0-9a-f]+)$/.exec(url.pathname);
    if (req.method === 'GET' && byUuid) {
      const entry = entries.find((e) => e.uuid === byUuid[1]);
      if (!entry) throw new HttpFailure(404, 'entry not found');
      sendJson(res, 200, { [entry.uuid]: entry.response });
      return;
    }
    throw new HttpFailure(404, 'not found');
  }, tls);
  const fulcioUrl = urlOf(fulcioServer, tls !== undefined);
  const rekorUrl = urlOf(rekorServer, tls !== undefined);
  const tlog = await initializeTLog(rekorUrl, rekorKeys);
  const rekor = rekorHandler(tlog);

  const der = (key: KeyObject) => key.export({ format: 'der', type: 'spki' });
  const pem = (key: KeyObject) => String(key.export({ format: 'pem', type: 'spki' }));
  const rootDer = Buffer.from(
    ca.rootCertificate.buffer,
    ca.rootCertificate.byteOffset,
    ca.rootCertificate.byteLength,
  );
  const longAgo = '2020-01-01T00:00:00Z';
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: rekorUrl,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: der(rekorKeys.publicKey).toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: longAgo },
        },
        logId: { keyId: createHash('sha256').update(der(rekorKeys.publicKey)).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: fulcioUrl,
        certChain: { certificates: [{ rawBytes: rootDer.toString('base64') }] },
        validFor: { start: longAgo },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: der(ctKeys.publicKey).toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: longAgo },
        },
        logId: {
          keyId: Buffer.from(ctlog.logID.buffer, ctlog.logID.byteOffset, ctlog.logID.byteLength).toString(
            'base64',
          ),
        },
      },
    ],
    timestampAuthorities: [],
  };
  const trustedRootPath = join(dir, 'trusted_root.json');
  writeFileSync(trustedRootPath, JSON.stringify(trustedRoot, null, 2));
  const fulcioRootPemPath = join(dir, 'fulcio-root.pem');
  writeFileSync(fulcioRootPemPath, new X509Certificate(rootDer).toString());
  const rekorPublicKeyPemPath = join(dir, 'rekor.pub');
  writeFileSync(rekorPublicKeyPemPath, pem(rekorKeys.publicKey));
  const ctlogPublicKeyPemPath = join(dir, 'ctlog.pub');
  writeFileSync(ctlogPublicKeyPemPath, pem(ctKeys.publicKey));

  let tokens = 0;
  return {
    fulcioUrl,
    rekorUrl,
    issuer: TEST_OIDC_ISSUER,
    trustedRootPath,
    trustedRoot,
    fulcioRootPemPath,
    rekorPublicKeyPemPath,
    ctlogPublicKeyPemPath,
    rekorPublicKeyPem: pem(rekorKeys.publicKey),
    entries,
    requests,
    issued,
    mintToken,
    writeToken(claims) {
      tokens += 1;
      const path = join(dir, `oidc-token-${tokens}`);
      writeFileSync(path, mintToken(claims));
      return path;
    },
    failNext(service, count, status = 503) {
      failures[service] = { count, status };
    },
    refuseKind(kind, status = 400) {
      refused = kind === undefined ? undefined : { kind, status };
    },
    deadUrl: await unusedUrl(),
    ...(testCa ? { caFile: testCa.caFile } : {}),
    dir,
    async stop() {
      await Promise.all(
        [fulcioServer, rekorServer].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
