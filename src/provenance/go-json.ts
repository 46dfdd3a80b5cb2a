import { runKeyed } from '../tekton/run-keys.js';

/**
 * The bytes Go's encoding/json.Marshal writes for plain JSON data, which Chains base64-encodes into
 * byproducts and slsa-tekton dependency contents: map keys sorted, and '<', '>', '&', U+2028, U+2029
 * escaped as \u003c, \u003e, \u0026, \u2028, \u2029 (Go's HTML-safe default). JSON.stringify matches Go
 * for everything else that Tekton values contain (strings, arrays, string maps).
 */
function goJsonMarshal(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, escapeChar);
}

export function goJsonBase64(value: unknown): string {
  return Buffer.from(goJsonMarshal(value), 'utf8').toString('base64');
}

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted = runKeyed<unknown>();
  for (const key of Object.keys(value).sort(compareUtf8)) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}

// Go sorts map keys by their UTF-8 bytes; JavaScript's default sort compares UTF-16 code units.
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
