import type { ResultValue, TaskRun } from '../tekton/types.js';
import type { RunContext } from './context.js';
import { goJsonBase64 } from './go-json.js';
import type { FormatName } from './statement.js';
import { buildArtifactState, isImageResultName } from './type-hints.js';

/**
 * SLSA v1.0 `runDetails.byproducts`: results recorded as JSON content (base64 of Go's json.Marshal).
 * v2alpha3: every pipeline result, `pipelineRunResults/<result>`.
 * v2alpha4: `pipelineRunResults/<run>/<result>` without what became a subject (build artifacts, image
 * hints, invalid `*ARTIFACT_OUTPUTS`); with deep inspection each executed TaskRun's results
 * (`taskRunResults/<taskRun>/<result>`) and step results (`stepResults/<taskRun>/<result>`), same filter.
 */
export interface Byproduct {
  name: string;
  content: string;
  mediaType: 'application/json';
}

const JSON_MEDIA_TYPE = 'application/json';

export function byproducts(context: RunContext): Byproduct[] {
  const { snapshot, options } = context;
  if (options.format === 'slsa/v2alpha3') {
    return snapshot.pipelineResults.map((result) => byproduct(`pipelineRunResults/${result.name}`, result));
  }
  const out = withoutArtifacts(
    snapshot.pipelineResults,
    `pipelineRunResults/${snapshot.pipelineRun.metadata.name ?? ''}`,
  );
  if (!options.deepInspection) return out;
  for (const { taskRun } of context.executed) out.push(...taskRunResultByproducts(taskRun));
  return out;
}

/**
 * A TaskRun statement's byproducts: v2alpha3 every result as `taskRunResults/<result>`; v2alpha4
 * `taskRunResults/<taskRun>/<result>` and `stepResults/<taskRun>/<result>` without what became a subject.
 */
export function taskRunByproducts(taskRun: TaskRun, format: FormatName): Byproduct[] {
  if (format === 'slsa/v2alpha3') {
    return (taskRun.status?.results ?? []).map((result) =>
      byproduct(`taskRunResults/${result.name}`, result),
    );
  }
  return taskRunResultByproducts(taskRun);
}

function taskRunResultByproducts(taskRun: TaskRun): Byproduct[] {
  const name = taskRun.metadata.name ?? '';
  const steps = (taskRun.status?.steps ?? []).flatMap((step) => step.results ?? []);
  return [
    ...withoutArtifacts(taskRun.status?.results ?? [], `taskRunResults/${name}`),
    ...withoutArtifacts(steps, `stepResults/${name}`),
  ];
}

function withoutArtifacts(results: readonly ResultValue[], prefix: string): Byproduct[] {
  return results
    .filter((result) => buildArtifactState(result) === 'no' && !isImageResultName(result.name))
    .map((result) => byproduct(`${prefix}/${result.name}`, result));
}

function byproduct(name: string, result: ResultValue): Byproduct {
  return { name, content: goJsonBase64(result.value), mediaType: JSON_MEDIA_TYPE };
}
