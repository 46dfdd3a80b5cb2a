import { AttestError } from '../errors.js';
import type { RepositoryRef } from '../oci/client.js';
import { parseReference } from '../oci/reference.js';
import type { Statement, Subject } from '../provenance/statement.js';

/** One image an OCI backend attaches to: the subject, the image it names, and where attachments go. */
export interface OciTarget {
  subject: Subject;
  image: RepositoryRef;
  /** `sha256:<hex>` */
  digest: string;
  /** The image's own repository, or `--oci-repository`. */
  store: RepositoryRef;
}

const SHA256_HEX = /^[a-f0-9]{64}$/;

/** Parses `--oci-repository` (a repository, no tag or digest). */
export function parseRepositoryOverride(value: string | undefined): RepositoryRef | undefined {
  if (!value) return undefined;
  const ref = parseReference(value);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new AttestError('INVALID_ARGUMENT', `--oci-repository ${value} names a tag or digest`, {
      hint: 'give a repository only, e.g. registry.example.com/team/attestations',
    });
  }
  return { registry: ref.registry, repository: ref.repository };
}

/**
 * The subjects that are images with a sha256 digest (what cosign can attach to), and a reason for each one
 * that is not. Subjects are deduplicated by image and digest.
 */
export function ociTargets(
  statement: Statement,
  override: RepositoryRef | undefined,
): { targets: OciTarget[]; skipped: string[] } {
  const targets: OciTarget[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const subject of statement.subject) {
    const hex = subject.digest.sha256;
    if (!hex || !SHA256_HEX.test(hex)) {
      const algorithms = Object.keys(subject.digest).join(', ') || 'none';
      skipped.push(
        `subject ${subject.name} has no sha256 digest (has: ${algorithms}); cosign can only attach to sha256 images`,
      );
      continue;
    }
    let image: RepositoryRef;
    try {
      const ref = parseReference(subject.name);
      image = { registry: ref.registry, repository: ref.repository };
    } catch {
      skipped.push(`subject ${subject.name} is not an image repository; nothing to attach to in a registry`);
      continue;
    }
    const digest = `sha256:${hex}`;
    const key = `${image.registry}/${image.repository}@${digest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push({ subject, image, digest, store: override ?? image });
  }
  return { targets, skipped };
}
