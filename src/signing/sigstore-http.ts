/**
 * How tekton-attest talks to Fulcio and Rekor through @sigstore/sign's clients: one bounded retry policy
 * (network errors, 408, 429 and 5xx are retried with backoff; other answers are final) and one way to say
 * what went wrong without the library's internal codes.
 */
export const SIGSTORE_RETRY = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 4000 };
/** Attempts in all, for messages. */
export const SIGSTORE_ATTEMPTS = SIGSTORE_RETRY.retries + 1;
export const SIGSTORE_TIMEOUT_MS = 30_000;

export interface SigstoreFailure {
  /** The HTTP status of the final answer; undefined when the service was not reached. */
  status: number | undefined;
  reason: string;
  /** The service's TLS certificate was not trusted (typically an internal CA). */
  untrustedCertificate: boolean;
}

// Node's codes for a server certificate it cannot verify.
const CERTIFICATE_ERRORS =
  /SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|CERT_UNTRUSTED|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID|self[- ]signed certificate|unable to verify the first certificate/i;

/** Unwraps @sigstore/sign's InternalError -> HTTPError / fetch error into a status and a reason. */
export function sigstoreFailure(error: unknown): SigstoreFailure {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  const status = (cause as { statusCode?: unknown } | null)?.statusCode;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (typeof status === 'number') {
    return { status, reason: `HTTP ${message.replace(/^\((\d+)\)\s*/, '$1 ')}`, untrustedCertificate: false };
  }
  const code = String((cause as { code?: unknown } | null)?.code ?? '');
  return {
    status: undefined,
    reason: message,
    untrustedCertificate: CERTIFICATE_ERRORS.test(`${code} ${message}`),
  };
}

/** The fix for a service that could not be reached: the internal CA, or the network path. */
export function unreachableHint(failure: SigstoreFailure, url: string, flag: string): string {
  return failure.untrustedCertificate
    ? `the TLS certificate of ${url} is not trusted; if it comes from an internal CA, give the step ` +
        'NODE_EXTRA_CA_CERTS=/path/to/ca.pem. Nothing was signed or stored'
    : `check ${flag} and that the pod can reach it (egress, proxy, DNS); nothing was signed or stored`;
}

/** "unreachable after 4 attempts" or "answered HTTP 401 ..." */
export function describeFailure(failure: SigstoreFailure): string {
  return failure.status === undefined
    ? `unreachable after ${SIGSTORE_ATTEMPTS} attempts (${failure.reason})`
    : failure.status >= 500 || failure.status === 429 || failure.status === 408
      ? `kept failing after ${SIGSTORE_ATTEMPTS} attempts (${failure.reason})`
      : `answered ${failure.reason}`;
}
