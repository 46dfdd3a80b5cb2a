import { AttestError, reasonOf } from '../errors.js';
import { log } from '../log.js';
import { parseReference } from '../oci/reference.js';
import type { RepositoryRef } from '../oci/types.js';
import type { Subject } from '../provenance/statement.js';
import type { SignedAttestation, StorageOutcome } from './backend.js';

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

/**
 * The subjects (of a statement, or the images to sign) that are images with a sha256 digest (what cosign
 * can attach to), and a reason for each one that is not. Subjects are deduplicated by image and digest.
 */
export function ociTargets(
  subjects: readonly Subject[],
  override: RepositoryRef | undefined,
): { targets: OciTarget[]; skipped: string[] } {
  const targets: OciTarget[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const subject of subjects) {
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

/** One thing written (or found already there) for a target. */
export interface TargetWrite {
  location: string;
  /** Set when nothing was added because the target already held it. */
  alreadyThere?: string;
}

/**
 * The part every OCI encoding shares: find the image subjects (of the statement, or the images to sign),
 * write to each, and report. Targets are written concurrently (each write waits out a registry settle
 * time), except targets that share a tag (the same digest stored in one `--oci-repository`), which go one
 * after another.
 */
export async function storeInTargets(
  subjects: readonly Subject[],
  override: RepositoryRef | undefined,
  write: (target: OciTarget) => Promise<TargetWrite[]>,
): Promise<StorageOutcome> {
  const { targets, skipped } = ociTargets(subjects, override);
  for (const reason of skipped) log.warn(`oci: ${reason}`);
  if (targets.length === 0) {
    const detail = ['no image subject with a sha256 digest: nothing stored in a registry', ...skipped];
    return { backend: 'oci', ok: true, locations: [], detail: detail.join('; ') };
  }
  const byTag = new Map<string, OciTarget[]>();
  for (const target of targets) {
    const key = `${target.store.registry}/${target.store.repository}@${target.digest}`;
    byTag.set(key, [...(byTag.get(key) ?? []), target]);
  }
  const results = await Promise.all(
    [...byTag.values()].map(async (sharing) => {
      const outcomes: (TargetWrite[] | { failure: string })[] = [];
      for (const target of sharing) {
        outcomes.push(
          await write(target).catch((error: unknown) => ({
            failure: `${target.subject.name}@${target.digest}: ${reasonOf(error)}`,
          })),
        );
      }
      return outcomes;
    }),
  );
  const locations: string[] = [];
  const notes: string[] = [...skipped];
  const failures: string[] = [];
  for (const outcome of results.flat()) {
    if ('failure' in outcome) {
      failures.push(outcome.failure);
      continue;
    }
    for (const written of outcome) {
      locations.push(written.location);
      if (written.alreadyThere) notes.push(written.alreadyThere);
    }
  }
  const detail = [...failures, ...notes].join('; ');
  return { backend: 'oci', ok: failures.length === 0, locations, ...(detail ? { detail } : {}) };
}

/** The key of a target in ImageSignatures: the image and digest (targets are deduplicated by these). */
export function targetKey(target: Pick<OciTarget, 'image' | 'digest'>): string {
  return `${target.image.registry}/${target.image.repository}@${target.digest}`;
}

/**
 * One target's image signature, made before anything is written: the signed value to store, the location
 * of an equivalent one already stored (nothing new is signed, logged or written), or why signing or
 * logging failed (the target is then left untouched and its failure reported).
 */
export type PreparedSignature<T> = { signed: T } | { stored: string } | { failed: unknown };
export type ImageSignatures<T> = ReadonlyMap<string, PreparedSignature<T>>;

/** The read-only question asked before an image is signed: is an equivalent signature stored already? */
export interface SignatureQuery {
  /** The exact bytes that would be signed. */
  payload: Uint8Array;
  publicKeyPem: string;
  /** Only a signature with a log entry stands in for one that will be logged. */
  logged: boolean;
}

/**
 * An `oci` backend (either encoding): it answers the query and stores the signed values it is handed: the
 * attestation next to each image subject of its statement, image signatures next to the images signed.
 */
export interface OciBackend<T> {
  readonly name: 'oci';
  readonly encoding: 'tag' | 'sigstore-bundle';
  /** The images the subjects name, and where each one's attachments go. */
  targets(subjects: readonly Subject[]): OciTarget[];
  /** Where an equivalent image signature is stored for the target, if one is. Writes nothing. */
  findImageSignature(target: OciTarget, query: SignatureQuery): Promise<string | undefined>;
  store(attestation: SignedAttestation): Promise<StorageOutcome>;
  /** Each image's prepared signature (see PreparedSignature), stored next to the image. */
  storeImageSignatures(
    images: readonly Subject[],
    imageSignatures: ImageSignatures<T>,
  ): Promise<StorageOutcome>;
}

/**
 * The prepared signature of a target; a failed one is thrown, so the target is left untouched. Every
 * target was prepared (commands/image-signatures.ts asks the same backend for the targets).
 */
export function preparedFor<T>(
  imageSignatures: ImageSignatures<T>,
  target: OciTarget,
): { signed: T } | { stored: string } {
  const prepared = imageSignatures.get(targetKey(target));
  if (!prepared) throw new Error(`no image signature was prepared for ${targetKey(target)}`);
  if ('failed' in prepared) throw prepared.failed;
  return prepared;
}

/**
 * The error for something stored that cannot be read while asking "is an equivalent one stored already?".
 * Unreadable is not absent: taking it for "no" would append another copy on every re-run.
 */
export function unreadableExisting(store: RepositoryRef, what: string, error: unknown): AttestError {
  return new AttestError(
    'REGISTRY',
    `cannot tell whether ${store.registry}/${store.repository} already holds this attestation: ${what} is unreadable: ${(error as Error).message}`,
    {
      hint: 'nothing was written for this image; run the task again when the registry (or its blob storage) answers',
      cause: error,
    },
  );
}
