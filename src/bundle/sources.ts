import pipelineExample from '../../task/examples/pipeline.yaml' with { type: 'text' };
import task from '../../task/tekton-attest.yaml' with { type: 'text' };

/**
 * The Task and its examples as built into the CLI, so `bundle push` works from the npm package and the image
 * alike (neither ships task/). Only Tekton objects a bundle can serve are listed: the examples' PipelineRuns,
 * TaskRuns and RBAC are not resolvable from a bundle.
 */
export interface BundleSource {
  origin: string;
  text: string;
}

export const TASK_SOURCE: BundleSource = { origin: 'task/tekton-attest.yaml', text: task };
export const EXAMPLE_SOURCES: BundleSource[] = [
  { origin: 'task/examples/pipeline.yaml', text: pipelineExample },
];
