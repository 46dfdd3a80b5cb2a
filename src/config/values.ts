import { AttestError } from '../errors.js';

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
