import { formatDuration } from '../config/values.js';
import { AttestError } from '../errors.js';
import { longestInFlight } from '../http/send.js';
import { log } from '../log.js';

/**
 * The whole run's deadline (`--timeout`). Each request has its own deadline, but retries, a registry that
 * answers slowly on every request, or many subjects add up: this bounds the sum, so the step fails with a
 * message naming where it was (the step, and the request it was waiting on) before the Task's own timeout
 * kills the pod without a word.
 */

let currentStep = 'starting';

/** Records what the run is doing now, for the deadline's message. */
export function step(name: string): void {
  currentStep = name;
  // The resident set at each step: where a run that nears the Task's memory limit spends it.
  log.debug(`step: ${name} (rss ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB)`);
}

/** Thrown when the deadline passes; the process must then end, since the work it cut short still runs. */
export class DeadlineExceeded extends AttestError {}

/** Runs `body`, or rejects with DeadlineExceeded when it is not done after `timeoutMs`. */
export async function withinDeadline<T>(
  command: string,
  timeoutMs: number,
  body: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(exceeded(command, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([body(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function exceeded(command: string, timeoutMs: number): DeadlineExceeded {
  const waiting = longestInFlight();
  const on = waiting
    ? `; waiting ${((Date.now() - waiting.startedAt) / 1000).toFixed(1)}s on ${waiting.method} ${waiting.url}`
    : '';
  const host = waiting ? new URL(waiting.url).host : undefined;
  return new DeadlineExceeded(
    'TIMEOUT',
    `${command} did not finish within --timeout ${formatDuration(timeoutMs)}: at step "${currentStep}"${on}`,
    {
      hint: host
        ? `${host} did not answer in time: check that it is reachable from this pod; --timeout (and the per-request --registry-request-timeout / --request-timeout) raise the limits`
        : 'raise --timeout if the run is just large; keep it below the Task timeout so this message is seen',
    },
  );
}
