import type { TaskRun } from '../tekton/types.js';

/**
 * Chains' legacy `tekton` format (TEP-0084: "the tekton format is simply the Status" of the run; Chains
 * v0.14 signed `json.Marshal(taskRun.Status)`; dropped in v0.15): the run's status as JSON, in tekton.dev/v1
 * field names, signed as these exact bytes (no in-toto statement, no DSSE envelope).
 */
export function tektonStatusPayload(run: Pick<TaskRun, 'status'>): Uint8Array {
  return Buffer.from(JSON.stringify(run.status ?? {}), 'utf8');
}
