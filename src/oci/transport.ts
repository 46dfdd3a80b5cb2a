import { readFileSync } from 'node:fs';
import { getCACertificates, rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent, request } from 'undici';
import { AttestError } from '../errors.js';
import { log } from '../log.js';

/**
 * HTTP for registries: TLS trust, plain-HTTP opt-in per host, bounded retries. Knows nothing about the
 * distribution API or credentials (client.ts and auth.ts do).
 */

export interface RetryPolicy {
  /** Total tries of one request, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking to wait longer than this (Retry-After) is waited on for this long only. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 30_000,
};

export interface TransportOptions {
  /** PEM files with CAs trusted in addition to the system's (`--registry-ca`). */
  registryCaFiles?: string[];
  /** host or host:port reached over plain HTTP, or over TLS without verification (`--insecure-registry`). */
  insecureRegistries?: string[];
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Refuse bodies larger than this (a registry is untrusted input). */
  maxResponseBytes?: number;
  /**
   * Retry on 429/5xx/connection errors (default true). Upload-session steps turn it off: a half-applied
   * PATCH cannot be replayed, so the client restarts the whole upload instead.
   */
  retry?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  url: string;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class Transport {
  /** Built on first TLS use: reading the system CA store takes tens of milliseconds. */
  #secureDispatcher: Dispatcher | undefined;
  readonly #registryCas: string[];
  readonly #insecure: Dispatcher;
  readonly #insecureHosts: string[];
  readonly #retry: RetryPolicy;
  readonly #userAgent: string;
  /** Per insecure host: the scheme that answered (TLS is tried first, like docker and cosign do). */
  readonly #schemes = new Map<string, Promise<'https' | 'http'>>();

  constructor(options: TransportOptions = {}) {
    // Read now, so an unreadable --registry-ca fails before anything is sent.
    this.#registryCas = registryCas(options.registryCaFiles ?? []);
    this.#insecure = dispatcher({ rejectUnauthorized: false });
    this.#insecureHosts = (options.insecureRegistries ?? [])
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#userAgent = options.userAgent ?? 'tekton-attest';
  }

  isInsecure(host: string): boolean {
    const wanted = host.toLowerCase();
    const bare = wanted.replace(/:\d+$/, '');
    return this.#insecureHosts.some((h) => h === wanted || h === bare);
  }

  /** `https://host` or, for an insecure host that does not speak TLS, `http://host`. */
  async baseUrl(host: string): Promise<string> {
    if (!this.isInsecure(host)) return `https://${host}`;
    let scheme = this.#schemes.get(host);
    if (!scheme) {
      scheme = this.#probe(host);
      this.#schemes.set(host, scheme);
    }
    return `${await scheme}://${host}`;
  }

  async #probe(host: string): Promise<'https' | 'http'> {
    try {
      await this.#once({ method: 'GET', url: `https://${host}/v2/` });
      return 'https';
    } catch (error) {
      log.debug(`${host}: TLS probe failed (${describeNetworkError(error)}), using plain HTTP`);
      return 'http';
    }
  }

  /** Sends a request, retrying 408/429/5xx and connection failures with bounded exponential backoff. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const attempts = req.retry === false ? 1 : this.#retry.attempts;
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse;
      try {
        response = await this.#once(req);
      } catch (error) {
        const code = errorCode(error);
        if (attempt >= attempts || !RETRY_ERROR_CODES.has(code)) throw networkError(req, error, attempt);
        const wait = this.#backoff(attempt);
        log.debug(`${req.method} ${req.url}: ${describeNetworkError(error)}; retry ${attempt} in ${wait} ms`);
        await sleep(wait);
        continue;
      }
      if (attempt >= attempts || !RETRY_STATUSES.has(response.status)) return response;
      const wait = this.#retryAfter(response) ?? this.#backoff(attempt);
      log.debug(`${req.method} ${req.url}: HTTP ${response.status}; retry ${attempt} in ${wait} ms`);
      await sleep(wait);
    }
  }

  /** Tries of one operation, for callers that retry a sequence of requests as a whole (uploads). */
  get attempts(): number {
    return this.#retry.attempts;
  }

  /** The wait before retry number `attempt` (1-based), for the same callers. */
  backoff(attempt: number): number {
    return this.#backoff(attempt);
  }

  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
    // Full jitter: concurrent writers hitting the same failing registry spread out.
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  #retryAfter(response: HttpResponse): number | undefined {
    const value = response.headers['retry-after'];
    if (!value) return undefined;
    const seconds = Number(value);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
    if (!Number.isFinite(ms)) return undefined;
    return Math.max(0, Math.min(this.#retry.maxRetryAfterMs, ms));
  }

  async #once(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const insecure = this.isInsecure(url.host);
    const res = await request(url, {
      method: req.method,
      headers: { 'user-agent': this.#userAgent, ...req.headers },
      body:
        req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : Buffer.from(req.body),
      dispatcher: insecure ? this.#insecure : this.#secure,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const body = await readBody(res.body, req.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, req.url);
    log.debug(`${req.method} ${req.url} -> ${res.statusCode}`);
    return { status: res.statusCode, headers, body, url: req.url };
  }

  get #secure(): Dispatcher {
    this.#secureDispatcher ??= dispatcher({ ca: trustedCas(this.#registryCas) });
    return this.#secureDispatcher;
  }

  async close(): Promise<void> {
    await Promise.all([this.#secureDispatcher?.close(), this.#insecure.close()]);
  }
}

function dispatcher(tls: { ca?: string[]; rejectUnauthorized?: boolean }): Dispatcher {
  const timeouts = { headersTimeout: 60_000, bodyTimeout: 60_000 };
  const connect = { ...tls, timeout: 15_000 };
  const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((v) => process.env[v]);
  // Behind a proxy (HTTPS_PROXY/NO_PROXY, as docker honours them) the TLS settings apply to the tunnel.
  return proxied
    ? new EnvHttpProxyAgent({ ...timeouts, connect, requestTls: connect })
    : new Agent({ ...timeouts, connect });
}

/** System and bundled CAs plus the user's: passing `ca` replaces Node's defaults, so include them. */
function trustedCas(registryCas: string[]): string[] {
  return [...new Set<string>([...rootCertificates, ...systemCas(), ...registryCas])];
}

/** The certificates of the `--registry-ca` files. */
function registryCas(files: string[]): string[] {
  const cas: string[] = [];
  for (const file of files) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      throw new AttestError('INVALID_ARGUMENT', `--registry-ca ${file} cannot be read`, {
        cause: error,
        hint: 'pass a readable PEM file with the CA certificate(s) that signed the registry certificate',
      });
    }
    const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (!certs) {
      throw new AttestError('INVALID_ARGUMENT', `--registry-ca ${file} holds no PEM certificate`, {
        hint: 'the file must contain -----BEGIN CERTIFICATE----- blocks',
      });
    }
    cas.push(...certs);
  }
  return cas;
}

function systemCas(): string[] {
  try {
    return getCACertificates('system');
  } catch {
    return [];
  }
}

async function readBody(body: AsyncIterable<Buffer>, max: number, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      throw new AttestError('TOO_LARGE', `response from ${url} exceeds ${max} bytes`, {
        hint: 'the registry returned more data than any manifest or attestation blob should hold',
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A status worth retrying: the registry is busy or briefly broken. */
export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUSES.has(status);
}

/** A thrown network failure worth retrying (reset, refused, timeout), also when wrapped in an AttestError. */
export function isRetryableError(error: unknown): boolean {
  const cause = error instanceof AttestError ? error.cause : error;
  return RETRY_ERROR_CODES.has(errorCode(cause));
}

function errorCode(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string } } | undefined;
  return e?.cause?.code ?? e?.code ?? '';
}

function describeNetworkError(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function networkError(req: HttpRequest, error: unknown, attempts: number): AttestError {
  if (error instanceof AttestError) return error;
  const url = new URL(req.url);
  const code = errorCode(error);
  const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  if (TLS_ERROR_CODES.has(code)) {
    return new AttestError(
      'REGISTRY',
      `TLS verification of ${url.host} failed: ${describeNetworkError(error)}`,
      {
        cause: error,
        hint: `pass --registry-ca FILE with the CA that signed ${url.host}'s certificate (or --insecure-registry ${url.host} to skip verification)`,
      },
    );
  }
  if (/wrong version number|EPROTO|packet length too long/i.test(describeNetworkError(error))) {
    return new AttestError('REGISTRY', `${url.host} does not speak TLS: ${describeNetworkError(error)}`, {
      cause: error,
      hint: `a plain-HTTP registry must be named with --insecure-registry ${url.host}`,
    });
  }
  return new AttestError(
    'REGISTRY',
    `${req.method} ${url.origin}${url.pathname} failed${after}: ${describeNetworkError(error)}`,
    {
      cause: error,
      hint: `check that ${url.host} is reachable from this pod (address, port, network policy, proxy)`,
    },
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
