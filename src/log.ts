/**
 * The one logger. Everything human-readable goes to stderr so stdout stays machine-readable (statements,
 * JSON). Secrets registered with `redact` are masked in every line, whatever code path printed them.
 *
 * Output is for a terminal and a log collector, and some of what reaches it was chosen by others (names
 * in a run, registry content): control characters other than the line breaks of the message itself are
 * escaped, and every continuation line of a message is indented, so no value can forge a line of its own
 * (`error: ...`) or drive the terminal (ANSI escapes). Values that may hold anything (results, params) are
 * not echoed at all: masking a secret inside one would tell its writer which guess equals the secret.
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

/**
 * Masks each whole-token occurrence of a registered secret with the same fixed mask. A secret inside a
 * longer token (`xsecrety`) is not masked: that text is not the secret, and masking a part of it would
 * show where the secret starts and ends.
 */
export function maskSecrets(text: string): string {
  let masked = text;
  for (const secret of secrets) {
    let from = 0;
    for (let at = masked.indexOf(secret); at >= 0; at = masked.indexOf(secret, from)) {
      const end = at + secret.length;
      if (isTokenChar(masked[at - 1]) || isTokenChar(masked[end])) {
        from = at + 1;
        continue;
      }
      masked = masked.slice(0, at) + MASK + masked.slice(end);
      from = at + MASK.length;
    }
  }
  return masked;
}

/** Word characters: one next to a secret makes the occurrence part of a longer word, not the secret. */
function isTokenChar(char: string | undefined): boolean {
  return char !== undefined && /\w/.test(char);
}

function emit(at: LogLevel, prefix: string, message: string, indentContinuation = true): void {
  if (ORDER[at] < ORDER[level]) return;
  const [first = '', ...rest] = escapeControls(maskSecrets(message), { keepNewlines: true }).split('\n');
  sink(prefix + first);
  for (const line of rest) sink(indentContinuation && !/^\s/.test(line) ? `  ${line}` : line);
}

/**
 * The text with control characters written as escapes (`\n`, `\x1b`, `\u{202e}`): C0 and C1 controls,
 * DEL, and the Unicode line separators and bidirectional overrides that reorder what a terminal shows.
 * With `keepNewlines`, `\n` stays a line break (the logger's own multi-line messages).
 */
export function escapeControls(text: string, { keepNewlines = false } = {}): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    out += isControl(code) && !(keepNewlines && code === NEWLINE) ? escapeCode(code) : char;
  }
  return out;
}

/** A name or short text from elsewhere, for a message: quoted, escaped, and cut at `max` characters. */
export function quoted(text: string, max = 100): string {
  const cut = text.length > max ? `${text.slice(0, max)}...(${text.length} characters)` : text;
  return `"${escapeControls(cut)}"`;
}

const NEWLINE = 0x0a;
const NAMED_ESCAPES: Readonly<Record<number, string>> = { 9: '\\t', 10: '\\n', 13: '\\r' };

function isControl(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function escapeCode(code: number): string {
  return (
    NAMED_ESCAPES[code] ??
    (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`)
  );
}

export const log: Logger = {
  debug: (m) => emit('debug', 'debug: ', m),
  info: (m) => emit('info', '', m),
  warn: (m) => emit('warn', 'warning: ', m),
  error: (m) => emit('error', 'error: ', m),
  print: (t) => emit('info', '', t, false),
};
