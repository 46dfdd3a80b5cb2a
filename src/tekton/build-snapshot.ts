import { log } from '../log.js';
import { resolvePipelineResults } from './pipeline-results.js';
import type { RunSnapshot } from './snapshot.js';
import { type CustomRun, LABEL_PIPELINE_TASK, type PipelineRun, type TaskRun } from './types.js';

/**
 * The one way a RunSnapshot is made, from files (`payload`) or from the Kubernetes API (`attest`).
 * Pure apart from logging what it decided:
 * - the excluded TaskRuns (the attesting task itself) are dropped;
 * - TaskRuns are ordered as `status.childReferences` lists them (the order Chains appends them in), the
 *   others after them in the order given;
 * - `pipelineResults` are `status.results` as they are once the run is done (its Succeeded condition is True
 *   or False: Tekton has written them, or none, as for a cancelled run); while it runs (a finally task runs
 *   before Tekton computes them) they are resolved from `status.pipelineSpec.results`, as Tekton v1.15's
 *   reconciler will write them when the run ends, and none when `spec.status` is `Cancelled` (the reconciler
 *   then marks the run cancelled without computing results; `CancelledRunFinally`, `StoppedRunFinally` and
 *   timed-out runs do get them);
 * - `finishedOn` is the PipelineRun's completionTime, otherwise the latest completion of its children.
 */
export interface SnapshotInput {
  pipelineRun: PipelineRun;
  taskRuns: readonly TaskRun[];
  customRuns?: readonly CustomRun[];
  /** TaskRun names left out of the provenance (the attesting TaskRun). */
  exclude?: readonly string[];
}

export function buildSnapshot(input: SnapshotInput): RunSnapshot {
  const { pipelineRun } = input;
  const excluded = new Set(input.exclude ?? []);
  for (const name of excluded) {
    if (!input.taskRuns.some((run) => run.metadata.name === name)) {
      log.debug(`excluded TaskRun ${name} is not among the TaskRuns given`);
    }
  }
  const taskRuns = inChildOrder(
    input.taskRuns.filter((run) => !excluded.has(run.metadata.name ?? '')),
    pipelineRun,
  );
  const customRuns = inChildOrder(input.customRuns ?? [], pipelineRun);
  return {
    pipelineRun,
    taskRuns,
    customRuns,
    pipelineResults: pipelineResultsOf(pipelineRun, taskRuns, customRuns),
    finishedOn: pipelineRun.status?.completionTime ?? latestCompletion([...taskRuns, ...customRuns]),
    unfinished: taskRuns.filter((run) => !run.status?.completionTime).map((run) => run.metadata.name ?? ''),
  };
}

/** Children grouped by their `tekton.dev/pipelineTask` label, in snapshot order. Built once per use. */
export function groupByPipelineTask<T extends TaskRun | CustomRun>(runs: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const run of runs) {
    const task = run.metadata.labels?.[LABEL_PIPELINE_TASK];
    if (task === undefined) continue;
    const group = groups.get(task);
    if (group) group.push(run);
    else groups.set(task, [run]);
  }
  return groups;
}

function inChildOrder<T extends TaskRun | CustomRun>(runs: readonly T[], pipelineRun: PipelineRun): T[] {
  const position = new Map<string, number>();
  for (const [index, child] of (pipelineRun.status?.childReferences ?? []).entries()) {
    if (!position.has(child.name)) position.set(child.name, index);
  }
  if (position.size === 0) return [...runs];
  const rank = (run: T) => position.get(run.metadata.name ?? '') ?? Number.MAX_SAFE_INTEGER;
  // Array.prototype.sort is stable: runs missing from childReferences keep their given order.
  return [...runs].sort((a, b) => rank(a) - rank(b));
}

function pipelineResultsOf(pipelineRun: PipelineRun, taskRuns: TaskRun[], customRuns: CustomRun[]) {
  const written = pipelineRun.status?.results ?? [];
  const spec = pipelineRun.status?.pipelineSpec;
  const succeeded = pipelineRun.status?.conditions?.find((c) => c.type === 'Succeeded')?.status;
  if (succeeded === 'True' || succeeded === 'False') return written;
  if (pipelineRun.spec.status === 'Cancelled') {
    if (spec?.results?.length)
      log.info('pipeline results left out: the run is cancelled, Tekton writes none');
    return [];
  }
  if (written.length > 0 || !spec?.results?.length) return written;
  const resolved = resolvePipelineResults(spec, {
    taskRunsByTask: groupByPipelineTask(taskRuns),
    customRunsByTask: groupByPipelineTask(customRuns),
  });
  for (const omitted of resolved.omitted) {
    const message = `pipeline result ${omitted.name} omitted: ${omitted.reason}`;
    if (omitted.kind === 'invalid') log.warn(`${message} (Tekton would report it as an invalid result)`);
    else log.info(`${message}, as Tekton omits it`);
  }
  return resolved.results;
}

function latestCompletion(runs: readonly (TaskRun | CustomRun)[]): string | undefined {
  let latest: string | undefined;
  for (const run of runs) {
    const time = run.status?.completionTime;
    if (time !== undefined && (latest === undefined || Date.parse(time) > Date.parse(latest))) latest = time;
  }
  return latest;
}
