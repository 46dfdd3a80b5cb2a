import { statSync } from 'node:fs';
import { AttestError } from '../errors.js';
import { DEFAULTS } from './defaults.js';

/**
 * What the command line hands to config/: flags (and TEKTON_ATTEST_* env) by option name, an unset option
 * absent. Only config/ reads it by name; everything past config/ gets the typed, readonly objects.
 */
export type RawOptions = Readonly<Record<string, unknown>>;

/** A string option, trimmed; unset or blank is undefined. */
export function text(options: RawOptions, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * A path option naming a file to write (`--output`): refused up front when it is a directory, which the
 * write would otherwise fail on after all the work, with a bare system error.
 */
export function outputFile(options: RawOptions, name: string): string | undefined {
  const path = text(options, name);
  if (path !== undefined && statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new AttestError('INVALID_ARGUMENT', `--${name} ${path} is a directory, not a file`, {
      hint: `name the file to write, e.g. --${name} ${path.replace(/\/+$/, '')}/statement.json`,
    });
  }
  return path;
}

/** A path option naming a directory to write into (`--results-dir`): refused up front when it is a file. */
export function outputDirectory(options: RawOptions, name: string): string | undefined {
  const path = text(options, name);
  const found = path === undefined ? undefined : statSync(path, { throwIfNoEntry: false });
  if (found && !found.isDirectory()) {
    throw new AttestError('INVALID_ARGUMENT', `--${name} ${path} is a file, not a directory`, {
      hint: `name a directory (it is created when missing)`,
    });
  }
  return path;
}

/** A true/false option: true only when set to true (the CLI turns "true"/"false" and bare flags into booleans). */
export function flag(options: RawOptions, name: string): boolean {
  return options[name] === true;
}

/** A repeatable option: its non-blank values. */
export function list(options: RawOptions, name: string): string[] {
  const value = options[name];
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.map(String).filter((item) => item.trim() !== '');
}

/** Parses sizes like 64Mi, 64MiB, 512Ki, 1Gi or plain bytes into bytes; unset gives `fallback`. */
export function parseSize(value: unknown, flagName: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const match = /^(\d+(?:\.\d+)?)\s*(b|ki|kib|mi|mib|gi|gib)?$/i.exec(String(value).trim());
  const unit = { b: 1, ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30 }[
    (match?.[2] ?? 'b').toLowerCase().replace(/b$/, '') || 'b'
  ];
  const bytes = match && unit ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!(bytes > 0)) {
    throw new AttestError('INVALID_ARGUMENT', `${flagName} ${String(value)} is not a size`, {
      hint: 'write it like 64Mi, 512Ki or 1Gi (binary units), or a number of bytes',
    });
  }
  return bytes;
}

/** A duration that must be more than zero: a deadline of 0 would fail everything at once. */
export function parsePositiveDuration(value: unknown, flagName: string, fallbackMs: number): number {
  const ms = parseDuration(value, flagName, fallbackMs);
  if (ms <= 0) {
    throw new AttestError('INVALID_ARGUMENT', `${flagName} ${String(value)} must be more than 0`, {
      hint: 'write it like 30s, 5m or 1h',
    });
  }
  return ms;
}

/** A duration as a user writes it: 1500ms, 45s, 5m (an hour and a half is 90m). */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Parses durations like 300, 300s, 5m, 1h, 1500ms into milliseconds. */
export function parseDuration(value: unknown, flagName: string, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(value).trim());
  if (!match) {
    throw new AttestError('INVALID_ARGUMENT', `${flagName} ${String(value)} is not a duration`, {
      hint: 'write it like 30s, 5m or 1h',
    });
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Math.round(Number(match[1]) * unit);
}

/** `--max-input-size`: the most read from one input file, API response or registry blob. */
export function parseMaxInputSize(options: RawOptions): number {
  return parseSize(options['max-input-size'], '--max-input-size', DEFAULTS.maxInputBytes);
}
