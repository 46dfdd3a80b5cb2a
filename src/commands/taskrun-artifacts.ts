import type { AttestConfig } from '../config/attest.js';
import { reasonOf } from '../errors.js';
import type { KubeObject } from '../kube/client.js';
import { log } from '../log.js';
import type { Statement } from '../provenance/statement.js';
import { buildTaskRunStatement } from '../provenance/taskrun-statement.js';
import { type RunFormat, TEKTON_FORMAT, tektonStatusPayload } from '../provenance/tekton-format.js';
import { transparencyWanted } from '../signing/transparency.js';
import type { SignedArtifact, StorageOutcome } from '../storage/backend.js';
import type { TaskRun } from '../tekton/types.js';
import { type RunObject, type StorageContext, store, writeTo } from './backends.js';
import { logArtifact, signArtifact } from './sign.js';

/** TaskRuns signed and stored at once: enough to overlap API and registry round trips, few enough for a small API server. */
const PARALLEL_TASK_RUNS = 4;

/**
 * Chains' `artifacts.taskrun.*`: every finished sibling TaskRun (the attest TaskRun is already left out of
 * the snapshot) gets its own artifact, as Chains would have made it: the statement `payload --taskrun`
 * builds (or the legacy `tekton` format's status), signed with the run's signer, logged in Rekor under the
 * same transparency rule (in manual mode, the TaskRun's own `transparency-upload` annotation, as Chains
 * reads it per object), and stored in every `--taskrun-storage` backend. Each TaskRun and backend has its
 * own outcome: one failing hides nothing and stops nothing.
 */
export async function attestTaskRuns(
  config: AttestConfig,
  context: StorageContext,
): Promise<StorageOutcome[]> {
  const { snapshot } = context.collected;
  if (config.taskRuns.storage.length === 0) return [];
  const unfinished = new Set(snapshot.unfinished);
  const finished = snapshot.taskRuns.filter((run) => !unfinished.has(run.metadata.name ?? ''));
  for (const name of unfinished) log.warn(`TaskRun ${name} has not finished: no TaskRun attestation for it`);
  const outcomes = await eachAtMost(PARALLEL_TASK_RUNS, finished, (taskRun) =>
    attestTaskRun(taskRun, config, context),
  );
  return outcomes.flat();
}

async function attestTaskRun(
  taskRun: TaskRun,
  config: AttestConfig,
  context: StorageContext,
): Promise<StorageOutcome[]> {
  // A finished TaskRun changes no more (but for annotations): the collected object is what its patch is
  // guarded by, one GET per TaskRun saved (a 409 re-reads).
  const object: RunObject = {
    kind: 'TaskRun',
    name: taskRun.metadata.name ?? '',
    uid: taskRun.metadata.uid ?? '',
    read: taskRun as unknown as KubeObject,
  };
  const run = `TaskRun ${object.name || '(unnamed)'}`;
  const rekorUrl = transparencyWanted(config.transparency.mode, taskRun.metadata.annotations)
    ? config.transparency.rekorUrl
    : undefined;
  let signed: SignedArtifact;
  try {
    signed = await signArtifact(taskRunArtifact(taskRun, config.taskRuns.format), context.signer);
    if (rekorUrl) signed = await logArtifact(signed, rekorUrl);
  } catch (error) {
    // Nothing signed (or logged): every backend of this TaskRun reports why, and writes nothing.
    const reason = reasonOf(error);
    log.error(`${run}: not attested: ${reason}`);
    const detail = `not signed: ${reason.split('\n')[0]}`;
    return config.taskRuns.storage.map((backend) => ({ backend, run, ok: false, locations: [], detail }));
  }
  return Promise.all(
    config.taskRuns.storage.map((backend) =>
      store(backend, () => writeTo(backend, object, signed, config, context), { run }),
    ),
  );
}

/** What is signed: the statement `payload --taskrun` prints (the same bytes), or the legacy format's status. */
function taskRunArtifact(taskRun: TaskRun, format: RunFormat): Statement | Uint8Array {
  if (format.format === TEKTON_FORMAT) return tektonStatusPayload(taskRun);
  const name = taskRun.metadata.name ?? '(unnamed)';
  return buildTaskRunStatement(taskRun, format, (message, source) =>
    log.warn(`TaskRun ${name}${source?.step ? ` step ${source.step}` : ''}: ${message}`),
  );
}

/** `work` for every item, at most `limit` at a time; results in the items' order. */
async function eachAtMost<T, R>(
  limit: number,
  items: readonly T[],
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
