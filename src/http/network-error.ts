/**
 * What a thrown request failure means, for both clients: our own deadline, a TLS failure, a server that does
 * not speak TLS, or a connection failure (retryable when it is the kind that goes away).
 */

export type NetworkErrorKind = 'timeout' | 'tls' | 'not-tls' | 'connection' | 'other';

export interface NetworkFailure {
  kind: NetworkErrorKind;
  /** The system or undici error code ('ECONNRESET', 'UND_ERR_SOCKET', ...), '' when there is none. */
  code: string;
  /** One line: the code and the message. */
  summary: string;
  /** Worth sending again: a reset, a refused connection, a timeout. */
  retryable: boolean;
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME_MISMATCH|ALTNAME|ERR_SSL/;
const NOT_TLS = /wrong version number|EPROTO|packet length too long/i;

export function classifyNetworkError(error: unknown): NetworkFailure {
  const code = errorCode(error);
  const summary = describeNetworkError(error);
  const name = (error as { name?: unknown } | null)?.name;
  // AbortSignal.timeout() rejects with a TimeoutError; an abort without a reason with an AbortError.
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'timeout', code, summary: 'request timed out', retryable: true };
  }
  if (NOT_TLS.test(summary)) return { kind: 'not-tls', code, summary, retryable: false };
  if (TLS_CODE.test(code)) return { kind: 'tls', code, summary, retryable: false };
  if (RETRYABLE_CODES.has(code)) return { kind: 'connection', code, summary, retryable: true };
  if (/^(E[A-Z]+|UND_ERR_\w+)$/.test(code)) return { kind: 'connection', code, summary, retryable: false };
  return { kind: 'other', code, summary, retryable: false };
}

/** The error's code, or its cause's (fetch-style wrappers keep the system error there). */
function errorCode(error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null | undefined;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' ? code : '';
}

function describeNetworkError(error: unknown): string {
  const code = errorCode(error);
  const cause = (error as { cause?: unknown } | null)?.cause;
  const source = cause instanceof Error ? cause : error;
  const message = source instanceof Error ? source.message : String(source);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
