/**
 * The bytes Go's encoding/json.Marshal writes for plain JSON data (a decoded interface{} or string map),
 * which Chains base64-encodes into byproducts: map keys sorted by their UTF-8 bytes, and '<', '>', '&',
 * U+2028, U+2029 escaped as \u003c, \u003e, \u0026, \u2028, \u2029 (Go's HTML-safe default). JSON.stringify
 * matches Go for everything else that Tekton values contain (strings, arrays, string maps).
 */
export function goJsonBase64(value: unknown): string {
  return Buffer.from(goAny(value), 'utf8').toString('base64');
}

/** A JSON string as Go writes it (HTML-safe escaping). */
export function goString(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, escapeChar);
}

/** Any JSON value as Go writes it once decoded into interface{} (maps sorted). */
export function goAny(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(goAny).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort(compareUtf8);
  return `{${keys.map((key) => `${goString(key)}:${goAny(object[key])}`).join(',')}}`;
}

// Go sorts map keys by their UTF-8 bytes; JavaScript's default sort compares UTF-16 code units.
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
