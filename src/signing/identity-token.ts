import { readFile } from 'node:fs/promises';
import { AttestError } from '../errors.js';
import { redact } from '../log.js';

/** The audience Fulcio's Kubernetes (and most) issuer configurations expect: its client ID. */
export const FULCIO_AUDIENCE = 'sigstore';

/** Where the token comes from; the file is re-read for every certificate, since the kubelet rotates it. */
export type TokenSource = { kind: 'file'; path: string } | { kind: 'env'; name: 'SIGSTORE_ID_TOKEN' };

/** What the summary and error messages say about the identity, never the token itself. */
export interface TokenIdentity {
  issuer: string;
  subject: string;
  audiences: string[];
  expiresAt: Date;
  /** For Kubernetes service-account tokens: the SAN Fulcio will put into the certificate. */
  kubernetesIdentity?: string;
}

export interface IdentityToken {
  token: string;
  identity: TokenIdentity;
  /** What Fulcio's proof of possession signs: `email` when the issuer vouches for it, else `sub`. */
  challengeSubject: string;
}

interface Claims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  exp?: unknown;
  email?: unknown;
  email_verified?: unknown;
  'kubernetes.io'?: { namespace?: unknown; serviceaccount?: { name?: unknown } };
}

/**
 * `--identity-token-file` when given, else `SIGSTORE_ID_TOKEN` when set, else the projected token the Task
 * mounts at the default path.
 */
export function tokenSource(
  explicitFile: string | undefined,
  defaultFile: string,
  env: NodeJS.ProcessEnv = process.env,
): TokenSource {
  if (explicitFile) return { kind: 'file', path: explicitFile };
  if (env.SIGSTORE_ID_TOKEN) return { kind: 'env', name: 'SIGSTORE_ID_TOKEN' };
  return { kind: 'file', path: defaultFile };
}

export function describeSource(source: TokenSource): string {
  return source.kind === 'file' ? `identity token file ${source.path}` : 'SIGSTORE_ID_TOKEN';
}

/**
 * Reads the token and checks what Fulcio would reject with an unhelpful 401: that it is a JWT, has not
 * expired, and is addressed to Fulcio. The token is registered as a secret so no log line can show it.
 */
export async function readIdentityToken(
  source: TokenSource,
  audience: string = FULCIO_AUDIENCE,
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
): Promise<IdentityToken> {
  const where = describeSource(source);
  let token: string;
  if (source.kind === 'file') {
    try {
      token = (await readFile(source.path, 'utf8')).trim();
    } catch (error) {
      throw new AttestError('KEYLESS', `cannot read the ${where}: ${(error as Error).message}`, {
        hint:
          'mount a projected service-account token with audience "sigstore" there (see docs/keyless.md), ' +
          'or pass --identity-token-file, or set SIGSTORE_ID_TOKEN',
      });
    }
  } else {
    token = (env[source.name] ?? '').trim();
  }
  redact(token);
  const claims = decodeClaims(token, where);
  const identity = identityOf(claims, where);
  if (identity.expiresAt.getTime() <= now.getTime()) {
    throw new AttestError(
      'KEYLESS',
      `the ${where} expired at ${identity.expiresAt.toISOString()} (issuer ${identity.issuer}, subject ${identity.subject})`,
      {
        hint:
          'use a projected token the kubelet refreshes (serviceAccountToken volume) rather than a copied one; ' +
          'it is re-read for every certificate',
      },
    );
  }
  if (!identity.audiences.includes(audience)) {
    throw new AttestError(
      'KEYLESS',
      `the ${where} is for audience ${identity.audiences.join(', ') || '(none)'}, but Fulcio accepts only "${audience}"`,
      {
        hint: `project the service-account token with audience: ${audience} (serviceAccountToken.audience in the Task's volume)`,
      },
    );
  }
  return { token, identity, challengeSubject: challengeSubject(claims, where) };
}

function decodeClaims(token: string, where: string): Claims {
  const parts = token.split('.');
  const notJwt = (why: string) =>
    new AttestError('KEYLESS', `the ${where} is not a JWT (${why})`, {
      hint: 'it must hold an OIDC identity token such as a projected service-account token',
    });
  if (token === '') throw notJwt('it is empty');
  if (parts.length !== 3 || !parts[1]) throw notJwt('expected three dot-separated parts');
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
      throw new Error('not an object');
    return claims as Claims;
  } catch {
    throw notJwt('its claims are not a JSON object');
  }
}

function identityOf(claims: Claims, where: string): TokenIdentity {
  const missing = (claim: string) =>
    new AttestError('KEYLESS', `the ${where} has no ${claim} claim`, {
      hint: 'it must be an OIDC identity token with iss, sub, aud and exp',
    });
  if (typeof claims.iss !== 'string') throw missing('iss');
  if (typeof claims.sub !== 'string') throw missing('sub');
  if (typeof claims.exp !== 'number') throw missing('exp');
  const audiences =
    typeof claims.aud === 'string'
      ? [claims.aud]
      : Array.isArray(claims.aud)
        ? claims.aud.filter((a): a is string => typeof a === 'string')
        : [];
  const identity: TokenIdentity = {
    issuer: claims.iss,
    subject: claims.sub,
    audiences,
    expiresAt: new Date(claims.exp * 1000),
  };
  const k8s = claims['kubernetes.io'];
  const namespace = k8s?.namespace;
  const serviceAccount = k8s?.serviceaccount?.name;
  if (typeof namespace === 'string' && typeof serviceAccount === 'string') {
    identity.kubernetesIdentity = kubernetesIdentity(namespace, serviceAccount);
  }
  return identity;
}

/** The SAN Fulcio's Kubernetes issuer type gives a service account's certificate. */
export function kubernetesIdentity(namespace: string, serviceAccount: string): string {
  return `https://kubernetes.io/namespaces/${namespace}/serviceaccounts/${serviceAccount}`;
}

// Same rule as @sigstore/sign's FulcioSigner: the issuer-verified email, else the subject.
function challengeSubject(claims: Claims, where: string): string {
  if (typeof claims.email === 'string') {
    if (!claims.email_verified) {
      throw new AttestError('KEYLESS', `the ${where} carries an email the issuer has not verified`, {
        hint: 'Fulcio only certifies verified emails; use a token whose email_verified is true',
      });
    }
    return claims.email;
  }
  return String(claims.sub);
}
