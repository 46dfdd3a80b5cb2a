/**
 * The one error type of tekton-attest. Every failure a user can act on is an AttestError with a stable
 * code, a message naming the object and field involved, and a hint saying how to fix it.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'KUBE_FORBIDDEN'
  | 'KUBE_UNAUTHORIZED'
  | 'KUBE_API'
  | 'KUBE_CONFLICT'
  | 'KUBE_CONFIG'
  | 'KEY_INVALID'
  | 'KEY_PASSWORD'
  | 'KEY_UNSUPPORTED'
  | 'SIGNING_FAILED'
  | 'REGISTRY_AUTH'
  | 'REGISTRY'
  | 'STORAGE_FAILED'
  | 'TOO_LARGE'
  | 'TIMEOUT'
  | 'VERIFY_FAILED'
  /** `verify --policy`: the signatures verified and the policy denied the run (exit 1). */
  | 'POLICY_DENIED'
  /** `verify --policy`: the signatures did not verify, so no policy was evaluated (exit 2). */
  | 'SIGNATURES_UNVERIFIED'
  | 'KEYLESS'
  | 'TRANSPARENCY'
  | 'FOREIGN_STATUS';

export class AttestError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AttestError';
    this.code = code;
    this.hint = options.hint;
  }

  /** The message a user sees: what went wrong, then how to fix it. */
  describe(): string {
    return this.hint ? `${this.message}\n  fix: ${this.hint}` : this.message;
  }
}

export function isAttestError(error: unknown): error is AttestError {
  return error instanceof AttestError;
}

/** Turns any thrown value into a one-line reason, without stack traces. */
export function reasonOf(error: unknown): string {
  if (error instanceof AttestError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}
