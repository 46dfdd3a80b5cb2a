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
}

/** Unwraps @sigstore/sign's InternalError -> HTTPError / fetch error into a status and a reason. */
export function sigstoreFailure(error: unknown): SigstoreFailure {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  const status = (cause as { statusCode?: unknown } | null)?.statusCode;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (typeof status === 'number') {
    return { status, reason: `HTTP ${message.replace(/^\((\d+)\)\s*/, '$1 ')}` };
  }
  return { status: undefined, reason: message };
}

/** "unreachable after 4 attempts" or "answered HTTP 401 ..." */
export function describeFailure(failure: SigstoreFailure): string {
  return failure.status === undefined
    ? `unreachable after ${SIGSTORE_ATTEMPTS} attempts (${failure.reason})`
    : failure.status >= 500 || failure.status === 429 || failure.status === 408
      ? `kept failing after ${SIGSTORE_ATTEMPTS} attempts (${failure.reason})`
      : `answered ${failure.reason}`;
}
