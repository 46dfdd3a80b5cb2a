import { AttestError } from '../errors.js';
import { parseReference } from '../oci/reference.js';
import { DEFAULTS } from './defaults.js';
import { type KubeAccess, parseKubeAccess } from './kube.js';
import { resolvePredicateType } from './predicate-types.js';
import {
  parseRegistryAccess,
  parseRepositoryOverride,
  type RegistryAccess,
  type Repository,
} from './registry.js';
import { flag, parsePositiveDuration, type RawOptions, text } from './values.js';

/** `verify IMAGE`: what to read, what must have signed it, and how. */
export interface VerifyConfig {
  readonly image: string;
  readonly key: string | undefined;
  readonly keyPasswordFile: string | undefined;
  /** `--type` resolved to a URI (cosign's aliases accepted); undefined: any. */
  readonly predicateType: string | undefined;
  readonly summary: boolean;
  /** Verify image signatures instead of attestations. */
  readonly signatures: boolean;
  readonly storeRepository: Repository | undefined;
  readonly registry: RegistryAccess;
  readonly identity: IdentityPolicy;
  readonly trustedRoot: string | undefined;
  readonly ignoreTlog: boolean;
  /** For `--key k8s://NS/SECRET`. */
  readonly kube: KubeAccess;
  /** Deadline of the whole run (`--timeout`). */
  readonly timeoutMs: number;
}

export function parseVerifyConfig(options: RawOptions): VerifyConfig {
  const key = text(options, 'key');
  return {
    image: checkedImage(text(options, 'image') ?? ''),
    key,
    keyPasswordFile: text(options, 'key-password-file'),
    predicateType: resolvePredicateType(text(options, 'type')),
    summary: flag(options, 'summary'),
    signatures: flag(options, 'signature'),
    storeRepository: parseRepositoryOverride(options),
    registry: parseRegistryAccess(options),
    identity: parseIdentityPolicy(options, key !== undefined),
    trustedRoot: text(options, 'trusted-root'),
    ignoreTlog: flag(options, 'insecure-ignore-tlog'),
    kube: parseKubeAccess(options),
    timeoutMs: parsePositiveDuration(options.timeout, '--timeout', DEFAULTS.runTimeoutMs),
  };
}

/** The IMAGE argument, refused before any request when a registry could not address it. */
function checkedImage(image: string): string {
  try {
    parseReference(image);
  } catch (error) {
    if (!(error instanceof AttestError)) throw error;
    throw new AttestError('INVALID_ARGUMENT', `verify IMAGE: ${error.message}`, {
      ...(error.hint ? { hint: error.hint } : {}),
    });
  }
  return image;
}

/** Who may have signed a keyless attestation (cosign's flags of the same names). */
export interface IdentityPolicy {
  identity?: string;
  identityRegexp?: RegExp;
  oidcIssuer?: string;
}

/**
 * Reads the identity flags. Without `--key`, the signature is keyless and, as with cosign, the caller must
 * say which identity and issuer to trust: a valid Fulcio certificate alone proves nothing about who signed.
 */
export function parseIdentityPolicy(options: RawOptions, hasKey: boolean): IdentityPolicy {
  const policy: IdentityPolicy = {};
  const identity = text(options, 'certificate-identity');
  const regexp = text(options, 'certificate-identity-regexp');
  const issuer = text(options, 'certificate-oidc-issuer');
  if (identity && regexp) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      '--certificate-identity and --certificate-identity-regexp were both given',
      {
        hint: 'pass one of them',
      },
    );
  }
  if (identity) policy.identity = identity;
  if (regexp) {
    try {
      policy.identityRegexp = new RegExp(regexp);
    } catch (error) {
      throw new AttestError(
        'INVALID_ARGUMENT',
        `--certificate-identity-regexp ${regexp} is not a regular expression: ${(error as Error).message}`,
        {
          hint: 'anchor it like ^https://kubernetes\\.io/namespaces/builds/serviceaccounts/.*$',
        },
      );
    }
  }
  if (issuer) policy.oidcIssuer = issuer;
  if (!hasKey && (!(identity || regexp) || !issuer)) {
    throw new AttestError('INVALID_ARGUMENT', 'keyless verification (no --key) needs the identity to trust', {
      hint:
        'pass --certificate-identity (or --certificate-identity-regexp) and --certificate-oidc-issuer, e.g. ' +
        '--certificate-identity https://kubernetes.io/namespaces/NS/serviceaccounts/SA --certificate-oidc-issuer ISSUER',
    });
  }
  return policy;
}
