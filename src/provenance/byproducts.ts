import type { ResultValue } from '../tekton/types.js';
import type { RunContext } from './context.js';
import { goJsonBase64 } from './go-json.js';
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
  for (const { taskRun } of context.executed) {
    const name = taskRun.metadata.name ?? '';
    out.push(...withoutArtifacts(taskRun.status?.results ?? [], `taskRunResults/${name}`));
    const steps = (taskRun.status?.steps ?? []).flatMap((step) => step.results ?? []);
    out.push(...withoutArtifacts(steps, `stepResults/${name}`));
  }
  return out;
}

function withoutArtifacts(results: readonly ResultValue[], prefix: string): Byproduct[] {
  return results
    .filter((result) => buildArtifactState(result) === 'no' && !isImageResultName(result.name))
    .map((result) => byproduct(`${prefix}/${result.name}`, result));
}

function byproduct(name: string, result: ResultValue): Byproduct {
  return { name, content: goJsonBase64(result.value), mediaType: JSON_MEDIA_TYPE };
}
