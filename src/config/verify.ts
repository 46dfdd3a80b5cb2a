import { AttestError } from '../errors.js';
import { parseReference } from '../oci/reference.js';
import { DEFAULTS } from './defaults.js';
import { type KubeAccess, parseKubeAccess } from './kube.js';
import { type Policy, readPolicyFile } from './policy.js';
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
  /** `--policy FILE`, read and validated; undefined: no policy, only signatures are checked. */
  readonly policy: Policy | undefined;
  /** How a policy verdict is printed: a tree for people, or JSON. */
  readonly output: PolicyOutput;
  /** `--graph FILE.svg`: where to draw the run and its verdicts. */
  readonly graph: string | undefined;
}

export type PolicyOutput = 'text' | 'json';
const POLICY_OUTPUTS: readonly PolicyOutput[] = ['text', 'json'];

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
    ...parsePolicyOptions(options),
  };
}

/** `--policy`, `--output`, `--graph`: the last two only mean something with a policy, so alone they are refused. */
function parsePolicyOptions(options: RawOptions): Pick<VerifyConfig, 'policy' | 'output' | 'graph'> {
  const path = text(options, 'policy');
  const output = text(options, 'output');
  const graph = text(options, 'graph');
  if (path === undefined && (output !== undefined || graph !== undefined)) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      `--${output !== undefined ? 'output' : 'graph'} needs --policy`,
      {
        hint: 'pass --policy FILE (docs/verify-policy.md), or drop the flag',
      },
    );
  }
  if (output !== undefined && !POLICY_OUTPUTS.includes(output as PolicyOutput)) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      `--output ${output} is not one of ${POLICY_OUTPUTS.join(', ')}`,
      {
        hint: '--output json prints the verdict as JSON; the default is the tree',
      },
    );
  }
  if (graph !== undefined && !graph.endsWith('.svg')) {
    throw new AttestError('INVALID_ARGUMENT', `--graph ${graph} does not end in .svg`, {
      hint: 'the graph is an SVG picture: name the file like run.svg',
    });
  }
  if (path !== undefined && flag(options, 'summary')) {
    throw new AttestError('INVALID_ARGUMENT', '--summary and --policy both print to stdout', {
      hint: 'drop --summary: the policy output lists every verified statement (and warns about the others)',
    });
  }
  if (path !== undefined && flag(options, 'signature')) {
    throw new AttestError('INVALID_ARGUMENT', '--policy evaluates attestations, not image signatures', {
      hint: 'drop --signature to check a policy',
    });
  }
  return {
    policy: path === undefined ? undefined : readPolicyFile(path),
    output: (output as PolicyOutput | undefined) ?? 'text',
    graph,
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
