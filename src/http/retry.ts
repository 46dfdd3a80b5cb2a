/**
 * When to try an HTTP request again, shared by the Kubernetes and registry clients: bounded attempts,
 * exponential backoff with jitter, and the server's Retry-After within a limit.
 */

export interface RetryPolicy {
  /** Total tries of one request, the first included. */
  attempts: number;
  /** First backoff; doubles with each retry, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking (Retry-After) for a longer wait than this is not waited for: the task would look hung. */
  maxRetryAfterMs: number;
}

/** Statuses that say "busy or briefly broken, ask again": timeout, throttled, server and gateway errors. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status);
}

/** The wait before retry number `attempt` (1-based). */
export function backoff(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Half fixed, half random: concurrent clients hitting the same failing server spread out.
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * The wait before trying again after attempt `attempt` failed transiently, or undefined when that failure is
 * final: the attempts are used up, or the server asks for longer than the policy waits.
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfter?: string | undefined,
): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  const asked = parseRetryAfter(retryAfter);
  if (asked === undefined) return backoff(policy, attempt);
  return asked <= policy.maxRetryAfterMs ? asked : undefined;
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
