import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ForeignStatusWrite } from '../collect/api/foreign-status.js';
import { AttestError } from '../errors.js';
import { writeFileAtomically } from '../files.js';
import { log } from '../log.js';
import type { Subject } from '../provenance/statement.js';
import type { StorageOutcome } from '../storage/backend.js';

/**
 * Task results a pipeline (or a person) can consume, as the Task declares them. With Tekton's default
 * result extraction every result of the TaskRun travels in one 4 KiB termination message, so the whole
 * set is budgeted well under that; lists that do not fit are cut, and the log says what was left out.
 */
export const RESULT_NAMES = {
  digest: 'ATTESTATION_DIGEST',
  subjects: 'SUBJECTS',
  storage: 'STORAGE',
  foreignStatus: 'FOREIGN_STATUS',
} as const;

/** Bytes for SUBJECTS, STORAGE and FOREIGN_STATUS (ATTESTATION_DIGEST is 71 bytes); leaves room for JSON escaping. */
const SUBJECTS_BUDGET = 1_600;
const STORAGE_BUDGET = 1_200;
const FOREIGN_STATUS_BUDGET = 400;

export interface TaskResultsInput {
  /** The stored signed bytes: the DSSE envelope (JSON), or for the legacy `tekton` format the signed status. */
  signedBytes: string | Uint8Array;
  subjects: readonly Subject[];
  outcomes: readonly StorageOutcome[];
  foreignStatus: readonly ForeignStatusWrite[];
}

/**
 * sha256 of the stored envelope bytes (the digest of the `.att` layer, and of the file written), or for the
 * legacy `tekton` format of the signed status (what cosign verify-blob checks the signature over).
 */
export function attestationDigest(signedBytes: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(signedBytes).digest('hex')}`;
}

export function taskResults(input: TaskResultsInput): Record<string, string> {
  const subjects = fitList(
    input.subjects.map((s) => ({ name: s.name, digest: s.digest })),
    SUBJECTS_BUDGET,
  );
  if (subjects.omitted > 0) {
    log.warn(
      `Task result ${RESULT_NAMES.subjects}: ${subjects.omitted} subjects left out (Tekton result size limit)`,
    );
  }
  const foreign = fitList(
    input.foreignStatus.map(({ kind, name, field, manager }) => ({ kind, name, field, manager })),
    FOREIGN_STATUS_BUDGET,
  );
  if (foreign.omitted > 0) {
    log.warn(
      `Task result ${RESULT_NAMES.foreignStatus}: ${foreign.omitted} writes left out (Tekton result size limit); the log lists them all`,
    );
  }
  return {
    [RESULT_NAMES.digest]: attestationDigest(input.signedBytes),
    [RESULT_NAMES.subjects]: subjects.json,
    [RESULT_NAMES.storage]: storageResult(input.outcomes),
    [RESULT_NAMES.foreignStatus]: foreign.json,
  };
}

export async function writeTaskResults(dir: string, results: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new AttestError(
      'STORAGE_FAILED',
      `cannot write the Task results to ${dir}: ${error.code ?? error}`,
      {
        hint: 'give --results-dir a writable directory (the Task uses /tekton/results)',
        cause: error,
      },
    );
  });
  for (const [name, value] of Object.entries(results)) await writeFileAtomically(join(dir, name), value);
  log.debug(`Task results written to ${dir}: ${Object.keys(results).join(', ')}`);
}

/** The longest prefix of `items` whose JSON fits `budget` bytes. */
function fitList<T>(items: readonly T[], budget: number): { json: string; omitted: number } {
  let kept = items.length;
  let json = JSON.stringify(items);
  while (Buffer.byteLength(json) > budget && kept > 0) {
    kept--;
    json = JSON.stringify(items.slice(0, kept));
  }
  return { json, omitted: items.length - kept };
}

/**
 * Every PipelineRun backend stays listed with its status; locations are cut, longest list first, to fit.
 * TaskRun-level entries (one per TaskRun and backend) come after them; when even without locations they do
 * not fit, the successful ones are left out first, then failed ones from the end.
 */
function storageResult(outcomes: readonly StorageOutcome[]): string {
  const entries = outcomes.map((o) => ({
    backend: o.backend,
    ...(o.artifact ? { artifact: o.artifact } : {}),
    ...(o.run ? { run: o.run } : {}),
    ok: o.ok,
    locations: [...o.locations],
  }));
  let omitted = 0;
  let runsOmitted = 0;
  let json = JSON.stringify(entries);
  while (Buffer.byteLength(json) > STORAGE_BUDGET) {
    const longest = entries.reduce((a, b) => (b.locations.length > a.locations.length ? b : a));
    if (longest.locations.length > 0) {
      longest.locations.pop();
      omitted++;
    } else {
      const succeeded = entries.findLastIndex((e) => e.run !== undefined && e.ok);
      const dropped = succeeded >= 0 ? succeeded : entries.findLastIndex((e) => e.run !== undefined);
      if (dropped < 0) break;
      entries.splice(dropped, 1);
      runsOmitted++;
    }
    json = JSON.stringify(entries);
  }
  if (omitted > 0 || runsOmitted > 0) {
    const left = [
      ...(omitted > 0 ? [`${omitted} locations`] : []),
      ...(runsOmitted > 0 ? [`${runsOmitted} TaskRun entries`] : []),
    ];
    log.warn(
      `Task result ${RESULT_NAMES.storage}: ${left.join(' and ')} left out (Tekton result size limit); the log lists them all`,
    );
  }
  return json;
}
