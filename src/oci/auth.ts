import { AttestError } from '../errors.js';
import { log, redact } from '../log.js';
import type { CredentialChain, CredentialResolution, RegistryCredential } from './docker-config.js';
import type { HttpResponse, Transport } from './transport.js';

/**
 * Registry authentication: anonymous, Basic, and the Bearer token flow driven by `WWW-Authenticate`
 * (https://distribution.github.io/distribution/spec/auth/token/), with tokens cached per registry and scope.
 */

export type Action = 'pull' | 'push';

/** One repository scope of a request: `repository:<name>:<actions>`. */
export interface Scope {
  repository: string;
  actions: Action[];
}

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

/** Tokens are refreshed this long before they expire, so a token never dies mid-request. */
const EXPIRY_MARGIN_MS = 10_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;

export class Authenticator {
  readonly #transport: Transport;
  readonly #credentials: CredentialChain;
  /** What each registry asked for last time, so later requests authenticate up front. */
  readonly #challenges = new Map<string, Challenge>();
  readonly #tokens = new Map<string, Promise<CachedToken>>();
  readonly #pushes: boolean;

  /** `pushes`: the client writes (attest), so a refused read is the first step of a push, and says so. */
  constructor(transport: Transport, credentials: CredentialChain, { pushes = false } = {}) {
    this.#transport = transport;
    this.#credentials = credentials;
    this.#pushes = pushes;
  }

  credentialsFor(registry: string): Promise<CredentialResolution> {
    return this.#credentials.resolve(registry);
  }

  /** The Authorization header to send up front, if the registry's scheme is already known. */
  async header(registry: string, scopes: Scope[]): Promise<string | undefined> {
    const challenge = this.#challenges.get(registry);
    if (!challenge) return undefined;
    return this.#authorize(registry, challenge, scopes, false);
  }

  /**
   * Answers a 401: remembers the challenge and returns the header to retry with. Throws REGISTRY_AUTH when
   * there is nothing better to send than what was already refused.
   */
  async respond(registry: string, response: HttpResponse, scopes: Scope[]): Promise<string> {
    const challenge = parseChallenge(response.headers['www-authenticate'] ?? '');
    if (!challenge) {
      throw await this.denied(registry, scopes, response, 'it sent no usable WWW-Authenticate challenge');
    }
    this.#challenges.set(registry, challenge);
    return this.#authorize(registry, challenge, scopes, true);
  }

  async #authorize(registry: string, challenge: Challenge, scopes: Scope[], fresh: boolean): Promise<string> {
    const { credential } = await this.#credentials.resolve(registry);
    if (challenge.scheme === 'basic') {
      if (!credential?.username || !credential.password) {
        throw await this.denied(registry, scopes, undefined, 'it requires a username and password');
      }
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    }
    if (credential?.registryToken) return `Bearer ${credential.registryToken}`;
    const key = `${registry}|${scopeStrings(scopes).join(' ')}`;
    const cached = this.#tokens.get(key);
    if (cached && !fresh) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt > Date.now()) return token.header;
    }
    const pending = this.#fetchToken(registry, challenge, scopes, credential);
    this.#tokens.set(key, pending);
    pending.catch(() => this.#tokens.delete(key));
    return (await pending).header;
  }

  async #fetchToken(
    registry: string,
    challenge: Challenge,
    scopes: Scope[],
    credential: RegistryCredential | undefined,
  ): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) throw await this.denied(registry, scopes, undefined, 'its Bearer challenge names no realm');
    const url = new URL(realm);
    const service = challenge.params.service;
    const scopeList = scopeStrings(scopes);
    let response: HttpResponse;
    if (credential?.identityToken) {
      // docker's OAuth2 refresh-token grant (what `docker login` stores as identitytoken).
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credential.identityToken,
        client_id: 'tekton-attest',
        scope: scopeList.join(' '),
      });
      if (service) form.set('service', service);
      response = await this.#transport.request({
        method: 'POST',
        url: url.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const scope of scopeList) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = {};
      if (credential?.username && credential.password) {
        headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
        url.searchParams.set('account', credential.username);
      }
      response = await this.#transport.request({ method: 'GET', url: url.toString(), headers });
    }
    if (response.status !== 200) {
      throw await this.denied(
        registry,
        scopes,
        response,
        `its token server ${url.origin}${url.pathname} refused to issue a token`,
      );
    }
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new AttestError('REGISTRY_AUTH', `token server ${url.origin} for ${registry} returned no JSON`, {
        hint: 'check the registry token realm; it must answer {"token": "..."}',
      });
    }
    const token = body.token ?? body.access_token;
    if (!token) {
      throw new AttestError('REGISTRY_AUTH', `token server ${url.origin} for ${registry} returned no token`, {
        hint: 'check the registry token realm; it must answer {"token": "..."}',
      });
    }
    redact(token);
    const lifetime = (body.expires_in ?? DEFAULT_TOKEN_LIFETIME_S) * 1000;
    log.debug(`token for ${registry} ${scopeList.join(' ')} from ${url.origin} (${lifetime / 1000}s)`);
    return { header: `Bearer ${token}`, expiresAt: Date.now() + lifetime - EXPIRY_MARGIN_MS };
  }

  /**
   * The error for a refused request: which registry, repository and action, which credentials were sent
   * (the source, never the secret) and which sources were looked at.
   */
  async denied(registry: string, scopes: Scope[], response: HttpResponse | undefined, why?: string) {
    const { credential, tried } = await this.#credentials.resolve(registry);
    const pushing = scopes.some((s) => s.actions.includes('push'));
    // A push starts by reading what the repository holds; refused there, the user still needs push rights.
    const beforePush = this.#pushes && !pushing ? ', which the push starts with' : '';
    const target = `${scopes
      .map((s) => `${s.actions.includes('push') ? 'push to' : 'pull from'} ${registry}/${s.repository}`)
      .join(' and ')}${beforePush}`;
    const status = response ? ` (HTTP ${response.status}${registryErrorText(response)})` : '';
    const reason = why ?? 'it refused the request';
    const used = credential
      ? `credentials from ${credential.source}`
      : `no credentials (anonymous; looked in: ${tried.join('; ') || 'no sources'})`;
    return new AttestError('REGISTRY_AUTH', `cannot ${target}: ${reason}${status}; sent ${used}`, {
      hint: credential
        ? `check that this login may ${pushing ? 'push to' : this.#pushes ? 'pull from and push to' : 'pull from'} the repository, or give the service account a docker config secret for ${registry} with those rights`
        : `add a login for ${registry} to the service account's secrets (Tekton writes it to /tekton/creds), a dockerconfig workspace, or --docker-config DIR`,
    });
  }
}

function scopeStrings(scopes: Scope[]): string[] {
  return scopes.map((s) => `repository:${s.repository}:${[...new Set(s.actions)].sort().join(',')}`).sort();
}

/** `Bearer realm="https://x/token",service="x",scope="a b"` -> {scheme, params}. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(basic|bearer)\b/i.exec(header);
  if (!match) return undefined;
  return {
    scheme: (match[1] ?? '').toLowerCase() as Challenge['scheme'],
    params: challengeParams(header, match[0].length),
  };
}

/**
 * `name=value` and `name="quoted \"value\""` pairs, scanned once from left to right: the registry (which a
 * build step chooses through the image name) writes this header, and a backtracking pattern over a long run
 * of name characters without `=` costs quadratic time.
 */
function challengeParams(header: string, from: number): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  const isNameChar = (c: string) => /[A-Za-z_]/.test(c);
  const isSpace = (c: string) => c === ' ' || c === '\t';
  let i = from;
  while (i < header.length) {
    if (!isNameChar(header.charAt(i))) {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < header.length && isNameChar(header.charAt(i))) i++;
    const name = header.slice(nameStart, i).toLowerCase();
    let j = i;
    while (isSpace(header.charAt(j))) j++;
    // A name not followed by `=` is no parameter; no suffix of it is one either, so go on after it.
    if (header.charAt(j) !== '=') continue;
    j++;
    while (isSpace(header.charAt(j))) j++;
    const quoted = header.charAt(j) === '"' ? quotedValue(header, j) : undefined;
    let raw: string;
    if (quoted) {
      raw = quoted.value;
      i = quoted.end;
    } else {
      let end = j;
      while (end < header.length && header.charAt(end) !== ',' && !/\s/.test(header.charAt(end))) end++;
      raw = header.slice(j, end);
      i = end;
    }
    params[name] = raw.replace(/\\(.)/g, '$1');
  }
  return params;
}

/** The text between a quote at `start` and its closing quote (backslash escapes kept), or undefined. */
function quotedValue(header: string, start: number): { value: string; end: number } | undefined {
  for (let k = start + 1; k < header.length; k++) {
    const c = header.charAt(k);
    if (c === '\\') k++;
    else if (c === '"') return { value: header.slice(start + 1, k), end: k + 1 };
  }
  return undefined;
}

/** The first error of a distribution error body (`{"errors":[{"code","message"}]}`), short. */
export function registryErrorText(response: HttpResponse): string {
  try {
    const body = JSON.parse(response.body.toString('utf8')) as {
      errors?: { code?: string; message?: string }[];
    };
    const first = body.errors?.[0];
    if (first) return `: ${[first.code, first.message].filter(Boolean).join(' ')}`;
  } catch {
    // Not a distribution error body; the status says enough.
  }
  return '';
}
