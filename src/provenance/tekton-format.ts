import type { TaskRun } from '../tekton/types.js';
import type { FormatOptions } from './statement.js';

/**
 * `tekton`: Chains' legacy format (TEP-0084: "simply the Status" of the run; dropped in Chains v0.15): the
 * run's status JSON, signed as raw bytes (no DSSE, no in-toto statement). `attest` only; `tekton` storage only.
 */
export const TEKTON_FORMAT = 'tekton';

/** What is signed for a run: an in-toto statement in a Chains SLSA format, or the legacy `tekton` format. */
export type RunFormat = Readonly<FormatOptions> | { readonly format: typeof TEKTON_FORMAT };

/**
 * Chains' legacy `tekton` format (TEP-0084: "the tekton format is simply the Status" of the run; Chains
 * v0.14 signed `json.Marshal(taskRun.Status)`; dropped in v0.15): the run's status as JSON, in tekton.dev/v1
 * field names, signed as these exact bytes (no in-toto statement, no DSSE envelope).
 */
export function tektonStatusPayload(run: Pick<TaskRun, 'status'>): Uint8Array {
  return Buffer.from(JSON.stringify(run.status ?? {}), 'utf8');
}
