import type { DigestSet } from './statement.js';

/**
 * `<alg>:<hex>` digests as Chains validates them (artifacts.ParseDigest on go-digest): exactly one ':',
 * the algorithm trimmed and lower-cased, the hex trimmed; sha256/sha384/sha512 need lower-case hex of
 * the algorithm's length, sha1 needs 40 lower-case hex; any other algorithm is rejected.
 */
export interface ParsedDigest {
  algorithm: string;
  hex: string;
}

const HEX_LENGTH: Readonly<Record<string, number>> = { sha1: 40, sha256: 64, sha384: 96, sha512: 128 };
const LOWER_HEX = /^[a-f0-9]+$/;

/** The parsed digest, or a reason it is not one (without the value: it may hold anything, even a secret). */
export function parseDigest(value: string): ParsedDigest | { error: string } {
  const parts = value.split(':');
  if (parts.length !== 2) return { error: 'it is not in the form <algorithm>:<hex>' };
  const algorithm = (parts[0] ?? '').trim().toLowerCase();
  const hex = (parts[1] ?? '').trim();
  const length = HEX_LENGTH[algorithm];
  if (length === undefined) return { error: 'the algorithm is not sha1, sha256, sha384 or sha512' };
  if (hex.length !== length || !LOWER_HEX.test(hex)) {
    return { error: `a ${algorithm} digest is ${length} lower-case hex characters` };
  }
  return { algorithm, hex };
}

export function isDigestError(parsed: ParsedDigest | { error: string }): parsed is { error: string } {
  return 'error' in parsed;
}

/**
 * Chains records a type-hinted digest by splitting the original text on ':' (not the trimmed, lower-cased
 * parse), so `SHA256:ab…` is accepted but recorded under `SHA256`. Kept for parity; call after parseDigest.
 */
export function digestSetVerbatim(value: string): DigestSet {
  const [algorithm = '', hex = ''] = value.split(':');
  return { [algorithm]: hex };
}
