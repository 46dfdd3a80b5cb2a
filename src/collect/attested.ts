import type { RunSnapshot } from '../tekton/snapshot.js';

/**
 * The names of the runs the provenance records: every TaskRun that finished (an unfinished one, such as the
 * attesting task when it is not excluded, leaves nothing) and the custom runs. What summaries count.
 */
export function attestedRunNames(snapshot: RunSnapshot): string[] {
  const unfinished = new Set(snapshot.unfinished);
  return [...snapshot.taskRuns, ...snapshot.customRuns]
    .map((run) => run.metadata.name ?? '')
    .filter((name) => !unfinished.has(name));
}
