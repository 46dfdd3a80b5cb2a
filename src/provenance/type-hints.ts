import { normalizedRepository, parseReference } from '../oci/reference.js';
import type { ResultValue } from '../tekton/types.js';
import type { SourcedResults, Warn } from './context.js';
import { digestSetVerbatim, isDigestError, type ParsedDigest, parseDigest } from './digest.js';
import type { DigestSet } from './statement.js';

/**
 * Chains' type hints: which results name artifacts (pkg/artifacts/signable.go, structured.go).
 * - `*IMAGE_URL` + `*IMAGE_DIGEST` pairs (same prefix), `IMAGES` (comma or newline separated
 *   `repo@sha256:…`): OCI images, identified by their normalized repository and sha256 digest;
 * - `*ARTIFACT_URI` + `*ARTIFACT_DIGEST` pairs: any artifact, URI verbatim;
 * - `*ARTIFACT_OUTPUTS` / `*ARTIFACT_INPUTS` object results `{uri, digest[, isBuildArtifact]}`.
 * Anything that does not validate is skipped and reported through `warn`, naming the result (and item), never
 * echoing the value: a build step writes it, and the logger's masking of a secret inside it would tell the
 * step which guess equals the secret.
 */
export interface OciImage {
  /** Normalized repository, e.g. index.docker.io/library/abc. */
  name: string;
  digest: DigestSet;
}

export interface TypedArtifact {
  uri: string;
  /** The digest text as given (`alg:hex`). */
  digest: string;
  /** The same digest validated: algorithm trimmed and lower-cased, hex trimmed. */
  parsed: ParsedDigest;
}

export const ARTIFACT_OUTPUTS = 'ARTIFACT_OUTPUTS';
export const ARTIFACT_INPUTS = 'ARTIFACT_INPUTS';
const IMAGE_URL = 'IMAGE_URL';
const IMAGE_DIGEST = 'IMAGE_DIGEST';
const IMAGES = 'IMAGES';

/** OCI images: IMAGE_URL/IMAGE_DIGEST pairs, then IMAGES, then build artifacts that are OCI images. */
export function ociImages({ results, source }: SourcedResults, warn: Warn): OciImage[] {
  const images: OciImage[] = [];
  const addImage = (reference: string, what: string, quiet = false) => {
    let parsed: ReturnType<typeof parseReference>;
    try {
      parsed = parseReference(reference);
    } catch {
      if (!quiet)
        warn(`skipping ${what}: it is not an image reference (REGISTRY/REPOSITORY@sha256:HEX)`, source);
      return;
    }
    if (parsed.digest === undefined) {
      if (!quiet) warn(`skipping ${what}: it has no @sha256: digest`, source);
      return;
    }
    images.push({
      name: normalizedRepository(parsed),
      digest: { sha256: parsed.digest.slice('sha256:'.length) },
    });
  };
  for (const pair of pairs(results, IMAGE_URL, IMAGE_DIGEST)) {
    const what = `image from results ${pair.names.join(' + ')}`;
    if (!pair.uri || !pair.digest) {
      warn(
        `skipping ${what}: both ${pair.prefix}${IMAGE_URL} and ${pair.prefix}${IMAGE_DIGEST} must be set`,
        source,
      );
      continue;
    }
    addImage(`${pair.uri}@${pair.digest}`, what);
  }
  for (const result of results) {
    if (result.name !== IMAGES) continue;
    if (typeof result.value !== 'string') {
      warn(`skipping result ${IMAGES}: it must be a string of comma or newline separated images`, source);
      continue;
    }
    for (const [index, item] of result.value.split(/[,\n]/).entries()) {
      const image = item.trim();
      if (image !== '') addImage(image, `item ${index + 1} of result ${IMAGES}`);
    }
  }
  // A build artifact that is not an OCI image (a package URL, a file) is fine: no warning.
  for (const artifact of buildArtifacts({ results, source }, warn)) {
    addImage(`${artifact.uri}@${artifact.digest}`, 'build artifact', true);
  }
  return images;
}

/** `*ARTIFACT_URI` + `*ARTIFACT_DIGEST` pairs with a valid digest. */
export function signableTargets({ results, source }: SourcedResults, warn: Warn): TypedArtifact[] {
  const targets: TypedArtifact[] = [];
  for (const pair of pairs(results, 'ARTIFACT_URI', 'ARTIFACT_DIGEST')) {
    const what = `artifact from results ${pair.names.join(' + ')}`;
    if (!pair.uri || !pair.digest) {
      warn(
        `skipping ${what}: both ${pair.prefix}ARTIFACT_URI and ${pair.prefix}ARTIFACT_DIGEST must be set`,
        source,
      );
      continue;
    }
    const parsed = parseDigest(pair.digest);
    if (isDigestError(parsed)) {
      warn(`skipping ${what}: the digest is not valid: ${parsed.error}`, source);
      continue;
    }
    targets.push({ uri: pair.uri, digest: pair.digest, parsed });
  }
  return targets;
}

/** Valid `*ARTIFACT_OUTPUTS` or `*ARTIFACT_INPUTS` object results. */
export function structuredTargets(
  { results, source }: SourcedResults,
  category: typeof ARTIFACT_OUTPUTS | typeof ARTIFACT_INPUTS,
  warn: Warn,
): TypedArtifact[] {
  return results
    .filter((result) => result.name.endsWith(category))
    .flatMap((result) => {
      const checked = checkStructured(result);
      if ('error' in checked) {
        warn(`skipping result ${result.name}: ${checked.error}`, source);
        return [];
      }
      return [checked];
    });
}

/** `*ARTIFACT_OUTPUTS` results marked `isBuildArtifact: "true"` that are valid. */
export function buildArtifacts(sourced: SourcedResults, warn: Warn): TypedArtifact[] {
  return structuredTargets(
    { ...sourced, results: sourced.results.filter((result) => buildArtifactState(result) !== 'no') },
    ARTIFACT_OUTPUTS,
    warn,
  );
}

/**
 * Whether a result is a build artifact (Chains' IsBuildArtifact): `no`, `yes`, or `invalid` when it is an
 * `*ARTIFACT_OUTPUTS` result that is not a valid object (Chains leaves those out of byproducts too).
 */
export function buildArtifactState(result: ResultValue): 'no' | 'yes' | 'invalid' {
  if (!result.name.endsWith(ARTIFACT_OUTPUTS)) return 'no';
  if (!isObjectValue(result.value)) return 'invalid';
  if (result.value.isBuildArtifact !== 'true') return 'no';
  return 'error' in checkStructured(result) ? 'invalid' : 'yes';
}

/** Results Chains treats as OCI image hints (never byproducts in v2alpha4). */
export function isImageResultName(name: string): boolean {
  return name.endsWith(IMAGE_URL) || name.endsWith(IMAGE_DIGEST) || name === IMAGES;
}

/** `digest` text of a typed artifact as Chains records it in a subject. */
export function artifactDigestSet(artifact: TypedArtifact): DigestSet {
  return digestSetVerbatim(artifact.digest);
}

function checkStructured(result: ResultValue): TypedArtifact | { error: string } {
  if (!isObjectValue(result.value)) return { error: 'it must be an object result {uri, digest}' };
  const { uri, digest } = result.value;
  if (!uri) return { error: 'it has no uri' };
  if (!digest) return { error: 'it has no digest' };
  const parsed = parseDigest(digest);
  if (isDigestError(parsed)) return { error: `its digest is not valid: ${parsed.error}` };
  return { uri, digest, parsed };
}

function isObjectValue(value: ResultValue['value']): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Pair {
  prefix: string;
  names: string[];
  uri?: string;
  digest?: string;
}

/** Results paired by prefix (`foo-IMAGE_URL` + `foo-IMAGE_DIGEST`), in order of first appearance. */
function pairs(results: readonly ResultValue[], uriSuffix: string, digestSuffix: string): Pair[] {
  const byPrefix = new Map<string, Pair>();
  for (const result of results) {
    const field = result.name.endsWith(uriSuffix)
      ? 'uri'
      : result.name.endsWith(digestSuffix)
        ? 'digest'
        : undefined;
    if (!field) continue;
    // Chains reads the string value, trimmed; other types and empty strings do not count.
    const value = typeof result.value === 'string' ? result.value.trim() : '';
    if (value === '') continue;
    const prefix = result.name.slice(0, -(field === 'uri' ? uriSuffix : digestSuffix).length);
    const pair = byPrefix.get(prefix) ?? { prefix, names: [] };
    pair[field] = value;
    pair.names.push(result.name);
    byPrefix.set(prefix, pair);
  }
  return [...byPrefix.values()];
}
