import type { TaskRun } from '../tekton/types.js';
import type { RunContext } from './context.js';
import { type Dependency, removeDuplicateDependencies } from './dedup.js';
import { goMarshal } from './go-marshal.js';
import { type Material, pipelineInputs, refSourceMaterial, stepInputs, taskRunImages } from './materials.js';
import { BUILD_TYPE_SLSA_TEKTON } from './statement.js';
import { TASK_RUN, TEKTON_GO_LAYOUT } from './tekton-go-layout.js';

/**
 * SLSA v1.0 `buildDefinition.resolvedDependencies` (Chains' internal/resolved_dependencies), in order:
 * `pipeline` (the PipelineRun's source); per executed TaskRun `pipelineTask` (its source; with the
 * slsa-tekton build type always, carrying the TaskRun itself as `content`), its step images then sidecar
 * images; v2alpha4 with deep inspection the steps' git pairs and `*ARTIFACT_INPUTS`; then the pipeline
 * inputs as `inputs/result`. Exact duplicates are dropped. Chains v0.28 records no `stepAction/<step>`
 * sources for a PipelineRun (later Chains does), so neither do we.
 */
export const PIPELINE_CONFIG = 'pipeline';
export const PIPELINE_TASK_CONFIG = 'pipelineTask';
export const INPUT_RESULT = 'inputs/result';

export function resolvedDependencies(context: RunContext): Dependency[] {
  const { snapshot, options, warn } = context;
  const v2alpha4 = options.format === 'slsa/v2alpha4';
  const entries: Dependency[] = [];
  const pipelineSource = refSourceMaterial(snapshot.pipelineRun.status?.provenance?.refSource);
  if (pipelineSource) entries.push({ name: PIPELINE_CONFIG, ...pipelineSource });

  for (const { taskRun } of context.executed) {
    const taskSource = refSourceMaterial(taskRun.status?.provenance?.refSource);
    if (options.buildType === BUILD_TYPE_SLSA_TEKTON) {
      entries.push({ name: PIPELINE_TASK_CONFIG, ...taskSource, content: taskRunContent(taskRun) });
    } else if (taskSource) {
      entries.push({ name: PIPELINE_TASK_CONFIG, ...taskSource });
    }
    const { steps, sidecars } = taskRunImages(taskRun, warn);
    entries.push(...steps, ...sidecars);
  }
  if (v2alpha4 && options.deepInspection) entries.push(...named(stepInputs(context)));
  entries.push(...named(pipelineInputs(context)));
  return removeDuplicateDependencies(entries);
}

function named(materials: Material[]): Dependency[] {
  return materials.map((material) => ({ name: INPUT_RESULT, ...material }));
}

/**
 * The slsa-tekton `content` of a TaskRun: Go's json.Marshal of the typed TaskRun Chains holds, byte for byte.
 * Chains gets it from client-go, whose typed objects carry no kind or apiVersion.
 */
function taskRunContent(taskRun: TaskRun): string {
  const { kind: _kind, apiVersion: _apiVersion, ...typed } = taskRun;
  return Buffer.from(goMarshal(typed, TEKTON_GO_LAYOUT, TASK_RUN), 'utf8').toString('base64');
}
