import { AttestError } from '../errors.js';
import { sleep } from '../http/retry.js';
import { log } from '../log.js';
import type { FetchedManifest, PutManifestResult, RepositoryRef } from './types.js';

/**
 * Updating a tag that several writers update at once (cosign's `.att`/`.sig` tags, the referrers fallback
 * index): the distribution protocol has no locking, so this is a read-modify-write with settle times.
 */

/** What a read-modify-write of a tag wants: the new manifest, or nothing when `current` already suffices. */
export type TagMutation = (
  current: FetchedManifest | undefined,
) => Promise<{ bytes: Uint8Array; mediaType: string } | undefined>;

/** The tag as the caller read it moments ago (`manifest` undefined: it did not exist). */
export interface HeldManifest {
  manifest: FetchedManifest | undefined;
}

/** The two calls a tag update makes (RegistryClient). */
export interface TagStore {
  getManifest(repo: RepositoryRef, reference: string): Promise<FetchedManifest | undefined>;
  putManifest(
    repo: RepositoryRef,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<PutManifestResult>;
}

/** Reads of a tag (each followed by at most one write) before giving up on concurrent writers. */
const MAX_TAG_ROUNDS = 200;

/** The shortest settle time: a concurrent writer may be slower than us when the registry is next door. */
const MIN_SETTLE_MS = 50;

/**
 * How long to wait after a write before looking for a concurrent writer that dropped our change. Such a
 * writer read the tag before our PUT landed, so its own PUT lands within its read-to-write window after ours;
 * writers of one registry see similar latencies, so four times our own window (never under MIN_SETTLE_MS).
 * Writing again adds jitter, so two writers that keep dropping each other's change fall out of step.
 */
function settleTime(window: number, writes: number): number {
  const settle = Math.max(MIN_SETTLE_MS, 4 * window);
  return writes > 1 ? settle * (1 + Math.random()) : settle;
}

/**
 * Read-modify-write of a tag, without any locking in the protocol. `mutate` prepares the new manifest
 * (uploading what it needs); the tag is read again right before the PUT, so the window in which another
 * writer's change can be lost is one GET and one PUT. After writing, the tag is re-read after a settle
 * time (several times that window) until a read finds our change and nothing written since the previous
 * look; a concurrent writer that dropped our change makes us write again. Returns whether this call wrote.
 */
export async function updateTag(
  registry: TagStore,
  repo: RepositoryRef,
  tag: string,
  mutate: TagMutation,
  maxWrites: number,
  held?: HeldManifest,
): Promise<boolean> {
  const name = `${repo.registry}/${repo.repository}:${tag}`;
  let writes = 0;
  let window = 0;
  let lastSeen: string | undefined;
  for (let round = 1; round <= MAX_TAG_ROUNDS; round++) {
    // A tag the caller has just read is not read again: the read right before the write catches a change.
    const current = round === 1 && held ? held.manifest : await registry.getManifest(repo, tag);
    const next = await mutate(current);
    if (!next) {
      // Done when nobody wrote during the last settle time: a writer that read before us has landed.
      if (writes === 0 || current?.digest === lastSeen) return writes > 0;
      lastSeen = current?.digest;
      await sleep(settleTime(window, writes));
      continue;
    }
    if (writes >= maxWrites) break;
    const started = Date.now();
    const fresh = await registry.getManifest(repo, tag);
    if (fresh?.digest !== current?.digest) {
      log.debug(`${name} changed while preparing the update; preparing again`);
      continue;
    }
    if (writes > 0) log.debug(`${name}: a concurrent writer dropped our change; writing again`);
    lastSeen = (await registry.putManifest(repo, tag, next.bytes, next.mediaType)).digest;
    window = Math.max(window, Date.now() - started);
    writes++;
    await sleep(settleTime(window, writes));
  }
  throw new AttestError('REGISTRY', `${name} kept changing under concurrent writers (${writes} writes)`, {
    hint: 'too many writers update this tag at once; run the task again',
  });
}
