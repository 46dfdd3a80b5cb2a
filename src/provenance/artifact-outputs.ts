import { normalizedRepository, parseReference } from '../oci/reference.js';
import type { TaskRun } from '../tekton/types.js';
import { type ResultSource, taskRunResults, type Warn } from './context.js';
import { isDigestError, parseDigest } from './digest.js';
import type { DigestSet, Subject } from './statement.js';
import type { OciImage } from './type-hints.js';

/**
 * Subjects from Tekton's Artifacts API (TEP-0147; `enable-artifacts`, Tekton v1.x): each value of a
 * TaskRun's `status.artifacts.outputs` entry marked `buildOutput: true` is a subject named by its `uri` with
 * its `digest` map, next to the type-hinted results. Beyond Chains v0.28.1, which reads type hints only;
 * shaped like Chains' open pull request tektoncd/chains#1841 (build outputs become subjects). Outputs
 * without `buildOutput` (byproducts there) and inputs are not read here (docs/payload.md). A value without
 * a uri or a valid digest is skipped with a warning naming the artifact, never echoing the value.
 */
export function buildOutputSubjects(taskRun: TaskRun, warn: Warn): Subject[] {
  const { source } = taskRunResults(taskRun);
  const subjects: Subject[] = [];
  for (const [index, artifact] of (taskRun.status?.artifacts?.outputs ?? []).entries()) {
    if (artifact.buildOutput !== true) continue;
    const what = `artifact output ${artifact.name ?? `#${index + 1}`}`;
    for (const [position, value] of (artifact.values ?? []).entries()) {
      const subject = checkedValue(value, `value ${position + 1} of ${what}`, source, warn);
      if (subject) subjects.push(subject);
    }
  }
  return subjects;
}

/**
 * The build outputs that are OCI images (their uri an image reference, with a sha256 digest), for image
 * signatures: the same rule Chains applies to `*ARTIFACT_OUTPUTS` build artifacts (name.NewDigest of
 * uri@digest). A purl (`pkg:oci/...`) is a subject but not an image to sign: it does not say which
 * repository the signature belongs to.
 */
export function buildOutputImages(taskRun: TaskRun, warn: Warn): OciImage[] {
  const images: OciImage[] = [];
  for (const subject of buildOutputSubjects(taskRun, warn)) {
    const sha256 = subject.digest.sha256;
    if (!sha256) continue;
    try {
      const reference = parseReference(`${subject.name}@sha256:${sha256}`);
      images.push({ name: normalizedRepository(reference), digest: { sha256 } });
    } catch {
      // Not an image reference (a purl, a file, a package URL): a subject, not an image to sign.
    }
  }
  return images;
}

function checkedValue(
  value: { uri?: string; digest?: Record<string, string> },
  what: string,
  source: ResultSource,
  warn: Warn,
): Subject | undefined {
  const uri = typeof value.uri === 'string' ? value.uri.trim() : '';
  if (uri === '') {
    warn(`skipping ${what}: it has no uri`, source);
    return undefined;
  }
  const entries = Object.entries(value.digest ?? {});
  if (entries.length === 0) {
    warn(`skipping ${what}: it has no digest`, source);
    return undefined;
  }
  const digest: DigestSet = {};
  for (const [algorithm, hex] of entries) {
    const parsed = parseDigest(`${algorithm}:${typeof hex === 'string' ? hex : ''}`);
    if (isDigestError(parsed)) {
      warn(`skipping ${what}: its ${algorithm} digest is not valid: ${parsed.error}`, source);
      return undefined;
    }
    digest[parsed.algorithm] = parsed.hex;
  }
  return { name: uri, digest };
}
