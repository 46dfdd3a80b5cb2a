import { readFileSync } from 'node:fs';
// The module object: `rootCertificates` is a getter that parses Node's bundled roots, read only on first use.
import tls from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';
import { AttestError } from '../errors.js';
import { classifyNetworkError, type NetworkFailure } from '../http/network-error.js';
import { backoff, isTransientStatus, type RetryPolicy, retryDelay, sleep } from '../http/retry.js';
import { send } from '../http/send.js';
import { DEFAULT_MAX_INPUT_BYTES } from '../limits.js';
import { log } from '../log.js';

/**
 * HTTP for registries: TLS trust, plain-HTTP opt-in per host (and for local hosts, as go-containerregistry),
 * bounded retries. Knows nothing about the
 * distribution API or credentials (client.ts and auth.ts do).
 */

const DEFAULT_RETRY: RetryPolicy = {
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
  /**
   * Deadline of each request, the whole answer included (`--registry-request-timeout`). A total deadline, not
   * an idle one: a registry that trickles a byte at a time cannot hold the run past it. Default 60s.
   */
  requestTimeoutMs?: number;
  /** The largest answer read (`--max-input-size`; default 64 MiB). Requests may ask for less. */
  maxResponseBytes?: number;
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

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export class Transport {
  /** Built on first TLS use: reading the system CA store takes tens of milliseconds. */
  #secureDispatcher: Dispatcher | undefined;
  readonly #registryCas: string[];
  readonly #insecure: Dispatcher;
  readonly #insecureHosts: string[];
  readonly #retry: RetryPolicy;
  readonly #userAgent: string;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
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
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_INPUT_BYTES;
  }

  isInsecure(host: string): boolean {
    const wanted = host.toLowerCase();
    const bare = wanted.replace(/:\d+$/, '');
    return this.#insecureHosts.some((h) => h === wanted || h === bare);
  }

  /**
   * `https://host` or, for an insecure or local host that does not speak TLS, `http://host`. Local hosts are
   * the ones go-containerregistry (Chains, cosign, Tekton's bundles resolver) also tries over plain HTTP.
   */
  async baseUrl(host: string): Promise<string> {
    if (!this.isInsecure(host) && !isLocalRegistry(host)) return `https://${host}`;
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
      const failure = classifyNetworkError(error);
      // A local host that was not named insecure falls back only when it answers without TLS: a TLS
      // registry with an untrusted certificate keeps failing with the TLS error (and its hint).
      if (!this.isInsecure(host) && failure.kind !== 'not-tls') return 'https';
      log.debug(`${host}: TLS probe failed (${failure.summary}), using plain HTTP`);
      return 'http';
    }
  }

  /** Sends a request, retrying 408/429/5xx and connection failures with bounded exponential backoff. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const policy = req.retry === false ? { ...this.#retry, attempts: 1 } : this.#retry;
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse;
      try {
        response = await this.#once(req);
      } catch (error) {
        const failure = classifyNetworkError(error);
        const wait = failure.retryable ? retryDelay(policy, attempt) : undefined;
        if (wait === undefined) throw networkError(req, error, failure, attempt, this.#timeoutMs);
        log.debug(`${req.method} ${req.url}: ${failure.summary}; retry ${attempt} in ${wait} ms`);
        await sleep(wait);
        continue;
      }
      if (!isTransientStatus(response.status)) return response;
      const wait = retryDelay(policy, attempt, response.headers['retry-after']);
      if (wait === undefined) return response;
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
    return backoff(this.#retry, attempt);
  }

  async #once(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const res = await send({
      method: req.method,
      url,
      headers: { 'user-agent': this.#userAgent, ...req.headers },
      body: req.body,
      dispatcher: this.isInsecure(url.host) ? this.#insecure : this.#secure,
      maxResponseBytes: Math.min(req.maxResponseBytes ?? Number.POSITIVE_INFINITY, this.#maxResponseBytes),
      limitFlag:
        req.maxResponseBytes === undefined || req.maxResponseBytes >= this.#maxResponseBytes
          ? '--max-input-size'
          : undefined,
      timeoutMs: this.#timeoutMs,
    });
    log.debug(`${req.method} ${req.url} -> ${res.status}`);
    return { ...res, url: req.url };
  }

  get #secure(): Dispatcher {
    this.#secureDispatcher ??= dispatcher({ ca: trustedCas(this.#registryCas) });
    return this.#secureDispatcher;
  }

  async close(): Promise<void> {
    await Promise.all([this.#secureDispatcher?.close(), this.#insecure.close()]);
  }
}

/**
 * go-containerregistry's `name.Registry.Scheme()` rule for plain-HTTP fallback without any flag: localhost,
 * `*.localhost`, 127.0.0.1, ::1 and the RFC 1918 private ranges (e.g. kind's `localhost:5001`, an in-cluster
 * registry Service). TLS is still tried first, with verification.
 */
export function isLocalRegistry(host: string): boolean {
  const name = host.toLowerCase();
  if (name.startsWith('localhost:') || /^(.*\.)?localhost(:\d{1,5})?$/.test(name)) return true;
  if (/^127\.0\.0\.1(:\d{1,5})?$/.test(name) || /^(::1|\[::1\](:\d{1,5})?)$/.test(name)) return true;
  const octets = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}(:\d{1,5})?$/.exec(name);
  if (!octets) return false;
  const [a, b] = [Number(octets[1]), Number(octets[2])];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
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
  return [...new Set<string>([...tls.rootCertificates, ...systemCas(), ...registryCas])];
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
    return tls.getCACertificates('system');
  } catch {
    return [];
  }
}

/** A thrown network failure worth retrying (reset, refused, timeout), also when wrapped in an AttestError. */
export function isRetryableError(error: unknown): boolean {
  return classifyNetworkError(error instanceof AttestError ? error.cause : error).retryable;
}

function networkError(
  req: HttpRequest,
  error: unknown,
  failure: NetworkFailure,
  attempts: number,
  timeoutMs: number,
): AttestError {
  if (error instanceof AttestError) return error;
  const url = new URL(req.url);
  const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  if (failure.kind === 'timeout') {
    return new AttestError(
      'TIMEOUT',
      `${req.method} ${url.origin}${url.pathname}: no complete answer from ${url.host} within ${timeoutMs / 1000}s${after}`,
      {
        cause: error,
        hint: `check that ${url.host} is reachable and answering from this pod, or raise --registry-request-timeout`,
      },
    );
  }
  if (failure.kind === 'tls') {
    return new AttestError('REGISTRY', `TLS verification of ${url.host} failed: ${failure.summary}`, {
      cause: error,
      hint: `pass --registry-ca FILE with the CA that signed ${url.host}'s certificate (or --insecure-registry ${url.host} to skip verification)`,
    });
  }
  if (failure.kind === 'not-tls') {
    return new AttestError('REGISTRY', `${url.host} does not speak TLS: ${failure.summary}`, {
      cause: error,
      hint: `a plain-HTTP registry must be named with --insecure-registry ${url.host}`,
    });
  }
  return new AttestError(
    'REGISTRY',
    `${req.method} ${url.origin}${url.pathname} failed${after}: ${failure.summary}`,
    {
      cause: error,
      hint: `check that ${url.host} is reachable from this pod (address, port, network policy, proxy)`,
    },
  );
}
