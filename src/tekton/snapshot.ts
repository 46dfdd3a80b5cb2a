import type { CustomRun, PipelineRun, ResultValue, TaskRun } from './types.js';

/**
 * Everything provenance is built from: pure data, already normalized to tekton.dev/v1.
 * Produced by the file loader (`payload`) or by the Kubernetes collector (`attest`), consumed by the
 * pure format functions in src/provenance/.
 */
export interface RunSnapshot {
  pipelineRun: PipelineRun;
  /** The pipeline's TaskRuns in the order they were appended (the attesting TaskRun already excluded). */
  taskRuns: TaskRun[];
  /** Custom task runs of the pipeline; they have no steps but can produce results. */
  customRuns: CustomRun[];
  /**
   * The pipeline's results: `status.results` when the run is complete, otherwise resolved from
   * `status.pipelineSpec.results` against the TaskRuns' results (a finally task sees no status.results).
   */
  pipelineResults: ResultValue[];
  /** The build's finish time: the PipelineRun's completionTime, or the latest sibling completion. */
  finishedOn: string | undefined;
  /** TaskRuns that had not finished when the snapshot was taken (their names). */
  unfinished: string[];
}
