/**
 * The one logger. Everything human-readable goes to stderr so stdout stays machine-readable (statements,
 * JSON). Secrets registered with `redact` are masked in every line, whatever code path printed them.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const MASK = '[REDACTED]';
const MIN_SECRET_LENGTH = 4;

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Raw output lines (tables, summaries) at info level. */
  print(text: string): void;
}

let level: LogLevel = (process.env.TEKTON_ATTEST_LOG_LEVEL as LogLevel | undefined) ?? 'info';
let sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`);
const secrets = new Set<string>();

export function setLogLevel(next: LogLevel): void {
  level = next;
}

/** Tests capture output through this; production writes to stderr. */
export function setLogSink(next: (line: string) => void): void {
  sink = next;
}

/** Registers a secret value (token, password, key material) that must never appear in output. */
export function redact(secret: string | undefined): void {
  if (!secret) return;
  const value = secret.trim();
  if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function maskSecrets(text: string): string {
  let masked = text;
  for (const secret of secrets) {
    if (masked.includes(secret)) masked = masked.split(secret).join(MASK);
  }
  return masked;
}

function emit(at: LogLevel, prefix: string, message: string): void {
  if (ORDER[at] < ORDER[level]) return;
  const [first = '', ...rest] = maskSecrets(message).split('\n');
  sink(prefix + first);
  for (const line of rest) sink(line);
}

export const log: Logger = {
  debug: (m) => emit('debug', 'debug: ', m),
  info: (m) => emit('info', '', m),
  warn: (m) => emit('warn', 'warning: ', m),
  error: (m) => emit('error', 'error: ', m),
  print: (t) => emit('info', '', t),
};
