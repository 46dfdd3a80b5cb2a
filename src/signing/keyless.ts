import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { CAClient } from '@sigstore/sign/dist/signer/fulcio/ca.js';
import { AttestError } from '../errors.js';
import { log } from '../log.js';
import {
  type CertificateIdentity,
  certificateIdentity,
  joinPem,
  parseCertificate,
} from './fulcio-certificate.js';
import {
  describeSource,
  FULCIO_AUDIENCE,
  readIdentityToken,
  type TokenIdentity,
  type TokenSource,
} from './identity-token.js';
import {
  describeFailure,
  SIGSTORE_RETRY,
  SIGSTORE_TIMEOUT_MS,
  sigstoreFailure,
  unreachableHint,
} from './sigstore-http.js';
import type { Signer } from './types.js';

export interface KeylessOptions {
  fulcioUrl: string;
  tokenSource: TokenSource;
  /** `--oidc-issuer`: what the user expects the token's issuer to be (reported, and warned on mismatch). */
  oidcIssuer?: string;
  /** Audience Fulcio accepts; `sigstore` unless a private Fulcio is configured otherwise. */
  audience?: string;
}

/** What the summary shows for a keyless signature. */
export interface KeylessIdentity {
  fulcioUrl: string;
  certificate: CertificateIdentity;
  token: TokenIdentity;
}

interface Issued {
  leafPem: string;
  chainPem: string | undefined;
  identity: KeylessIdentity;
}

/** A fresh certificate is requested when the current one has less than this left (Fulcio issues 10 min). */
const RENEW_BEFORE_MS = 60_000;

/**
 * Keyless signing: an ephemeral P-256 key, certified by Fulcio for the identity in the OIDC token (the pod's
 * projected service-account token). The certificate is requested on the first signature, and again when it
 * nears expiry, re-reading the token each time because the kubelet rotates it.
 *
 * This uses @sigstore/sign's Fulcio client (`CAClient`, what its `FulcioSigner` wraps) rather than
 * `FulcioSigner` itself, because FulcioSigner keeps only the leaf and Chains/cosign store the chain too.
 */
export class KeylessSigner implements Signer {
  readonly kind = 'keyless' as const;
  readonly #options: KeylessOptions;
  readonly #privateKey: KeyObject;
  readonly #publicKeyPem: string;
  readonly #ca: CAClient;
  #issued: Issued | undefined;

  constructor(options: KeylessOptions) {
    this.#options = options;
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#privateKey = keys.privateKey;
    this.#publicKeyPem = String(keys.publicKey.export({ format: 'pem', type: 'spki' }));
    this.#ca = new CAClient({
      fulcioBaseURL: options.fulcioUrl.replace(/\/+$/, ''),
      retry: SIGSTORE_RETRY,
      timeout: SIGSTORE_TIMEOUT_MS,
    });
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    await this.#certificate();
    return sign('sha256', data, { key: this.#privateKey, dsaEncoding: 'der' });
  }

  publicKeyPem(): string {
    return this.#publicKeyPem;
  }

  /** The leaf certificate behind the latest signature (available once `sign` has run). */
  certificatePem(): string | undefined {
    return this.#issued?.leafPem;
  }

  chainPem(): string | undefined {
    return this.#issued?.chainPem;
  }

  /** Who the certificate names, once `sign` has run. */
  identity(): KeylessIdentity | undefined {
    return this.#issued?.identity;
  }

  async #certificate(): Promise<Issued> {
    const current = this.#issued;
    if (current && current.identity.certificate.notAfter.getTime() - Date.now() > RENEW_BEFORE_MS) {
      return current;
    }
    this.#issued = await this.#requestCertificate();
    return this.#issued;
  }

  async #requestCertificate(): Promise<Issued> {
    const { fulcioUrl, tokenSource, oidcIssuer } = this.#options;
    const token = await readIdentityToken(tokenSource, this.#options.audience ?? FULCIO_AUDIENCE);
    if (oidcIssuer && token.identity.issuer !== oidcIssuer.replace(/\/+$/, '')) {
      log.warn(
        `the ${describeSource(tokenSource)} was issued by ${token.identity.issuer}, not --oidc-issuer ${oidcIssuer}; ` +
          'Fulcio certifies the token issuer',
      );
    }
    const proof = sign('sha256', Buffer.from(token.challengeSubject), this.#privateKey);
    let certificates: string[];
    try {
      certificates = await this.#ca.createSigningCertificate(token.token, this.#publicKeyPem, proof);
    } catch (error) {
      const failure = sigstoreFailure(error);
      const rejected = failure.status === 401 || failure.status === 403;
      throw new AttestError(
        'KEYLESS',
        `Fulcio at ${fulcioUrl} ${describeFailure(failure)} when asked for a certificate for ${token.identity.subject} ` +
          `(issuer ${token.identity.issuer})`,
        {
          cause: error,
          hint: rejected
            ? `Fulcio does not trust tokens from ${token.identity.issuer}: public Fulcio trusts only managed-cloud ` +
              'issuers; use a private Fulcio configured for the cluster issuer (--fulcio-url), see docs/keyless.md'
            : unreachableHint(failure, fulcioUrl, '--fulcio-url'),
        },
      );
    }
    return this.#checkIssued(certificates, token.identity);
  }

  // A CA that certifies some other key, or answers with no certificate, must not be signed under.
  #checkIssued(certificates: string[], token: TokenIdentity): Issued {
    const { fulcioUrl } = this.#options;
    const [leafPem, ...chain] = certificates;
    const invalid = (why: string) =>
      new AttestError('KEYLESS', `Fulcio at ${fulcioUrl} returned an unusable certificate: ${why}`, {
        hint: 'check --fulcio-url points at a Fulcio CA',
      });
    if (!leafPem) throw invalid('no certificate in the response');
    let leaf: ReturnType<typeof parseCertificate>;
    try {
      leaf = parseCertificate(leafPem);
    } catch (error) {
      throw invalid(`not an X.509 certificate (${(error as Error).message})`);
    }
    const ours = Buffer.from(this.#publicKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    if (!leaf.publicKey.equals(ours)) throw invalid('it certifies a different public key');
    const identity: KeylessIdentity = { fulcioUrl, certificate: certificateIdentity(leaf), token };
    log.debug(
      `Fulcio certified ${identity.certificate.subjectAlternativeName ?? '(no SAN)'} ` +
        `(issuer ${identity.certificate.issuer ?? 'unknown'}) until ${identity.certificate.notAfter.toISOString()}`,
    );
    return {
      leafPem: joinPem([leafPem]),
      chainPem: chain.length > 0 ? joinPem(chain) : undefined,
      identity,
    };
  }
}
