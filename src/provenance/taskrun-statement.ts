import { LABEL_REPRODUCIBLE, type TaskRun } from '../tekton/types.js';
import { stepAttestation } from './build-config.js';
import { taskRunByproducts } from './byproducts.js';
import type { Warn } from './context.js';
import { type Dependency, removeDuplicateDependencies } from './dedup.js';
import { goMarshal } from './go-marshal.js';
import { invocation } from './invocation.js';
import {
  type Material,
  materialList,
  slsaV02Materials,
  taskRunImages,
  taskRunInputs,
  taskRunStepInputs,
} from './materials.js';
import { INPUT_RESULT } from './resolved-dependencies.js';
import { compact, runInternalParameters, runParameters } from './slsa-v1.js';
import {
  type FormatOptions,
  PREDICATE_SLSA_V1,
  PREDICATE_SLSA_V02,
  STATEMENT_V1,
  STATEMENT_V01,
  type Statement,
} from './statement.js';
import { taskRunBuildArtifactSubjects, taskRunSubjects } from './subjects.js';
import { TASK_RUN_SPEC, TEKTON_GO_LAYOUT } from './tekton-go-layout.js';
import { rfc3339Utc } from './time.js';

/**
 * The statement Chains signs for one TaskRun (its `artifacts.taskrun.*` artifact), pure: the TaskRun (already
 * normalized to tekton.dev/v1) in, the in-toto Statement out; what is skipped is reported through `warn`.
 *
 * slsa/v1: SLSA v0.2 with buildType `tekton.dev/v1/TaskRun`, the TaskRun's invocation, `buildConfig.steps`
 * (each step state with its spec step of the same name), metadata, and materials (step and sidecar images,
 * the git pair and `*ARTIFACT_INPUTS`). slsa/v2alpha3 and v2alpha4: SLSA v1.0 with `runSpec` (the spec as Go
 * writes it), `buildConfigSource` for a remote task, the feature flags, resolvedDependencies (`task` source,
 * images, v2alpha4 also the step inputs, then the TaskRun's inputs as `inputs/result`) and its results as
 * byproducts. Subjects: type-hinted results (v2alpha4: build artifacts of the steps, then of the TaskRun).
 */
const BUILD_TYPE_TASKRUN = 'tekton.dev/v1/TaskRun';
const TASK_CONFIG = 'task';

export function buildTaskRunStatement(taskRun: TaskRun, options: FormatOptions, warn: Warn): Statement {
  return options.format === 'slsa/v1'
    ? slsaV02TaskRunStatement(taskRun, options, warn)
    : slsaV1TaskRunStatement(taskRun, options, warn);
}

function slsaV02TaskRunStatement(taskRun: TaskRun, options: FormatOptions, warn: Warn): Statement {
  const status = taskRun.status ?? {};
  const specSteps = status.taskSpec?.steps ?? [];
  const metadata: Record<string, unknown> = {};
  if (status.startTime) metadata.buildStartedOn = rfc3339Utc(status.startTime);
  if (status.completionTime) metadata.buildFinishedOn = rfc3339Utc(status.completionTime);
  metadata.completeness = { parameters: false, environment: false, materials: false };
  metadata.reproducible = taskRun.metadata.labels?.[LABEL_REPRODUCIBLE] === 'true';
  const predicate: Record<string, unknown> = {
    builder: { id: options.builderId },
    buildType: BUILD_TYPE_TASKRUN,
    invocation: invocation(
      status.provenance?.refSource,
      taskRun.spec.params,
      status.taskSpec?.params,
      taskRun.metadata,
    ),
    buildConfig: {
      steps: (status.steps ?? []).map((state) =>
        stepAttestation(specSteps.find((step) => step.name === state.name) ?? {}, state),
      ),
    },
    metadata,
  };
  const { steps, sidecars } = taskRunImages(taskRun, warn);
  const materials = slsaV02Materials(
    materialList().add(...steps, ...sidecars, ...taskRunInputs(taskRun, warn)).items,
  );
  if (materials.length > 0) predicate.materials = materials;
  return {
    _type: STATEMENT_V01,
    subject: taskRunSubjects(taskRun, warn),
    predicateType: PREDICATE_SLSA_V02,
    predicate,
  };
}

function slsaV1TaskRunStatement(taskRun: TaskRun, options: FormatOptions, warn: Warn): Statement {
  const status = taskRun.status ?? {};
  const v2alpha4 = options.format === 'slsa/v2alpha4';
  const spec = JSON.parse(goMarshal(taskRun.spec, TEKTON_GO_LAYOUT, TASK_RUN_SPEC)) as Record<
    string,
    unknown
  >;
  const buildDefinition: Record<string, unknown> = {
    buildType: options.buildType,
    externalParameters: runParameters(taskRun.spec.taskRef?.resolver, status.provenance?.refSource, spec),
    internalParameters: runInternalParameters(taskRun.metadata, status.provenance, options.buildType),
  };
  const dependencies = resolvedDependencies(taskRun, v2alpha4, warn).map(compact);
  if (dependencies.length > 0) buildDefinition.resolvedDependencies = dependencies;

  const metadata: Record<string, string> = {};
  if (taskRun.metadata.uid) metadata.invocationId = taskRun.metadata.uid;
  if (status.startTime) metadata.startedOn = rfc3339Utc(status.startTime);
  if (status.completionTime) metadata.finishedOn = rfc3339Utc(status.completionTime);
  const runDetails: Record<string, unknown> = {
    builder: options.builderId ? { id: options.builderId } : {},
    metadata,
  };
  const byproducts = taskRunByproducts(taskRun, options.format);
  if (byproducts.length > 0) runDetails.byproducts = byproducts;
  return {
    _type: STATEMENT_V1,
    subject: v2alpha4 ? taskRunBuildArtifactSubjects(taskRun, warn) : taskRunSubjects(taskRun, warn),
    predicateType: PREDICATE_SLSA_V1,
    predicate: { buildDefinition, runDetails },
  };
}

/** Chains' resolveddependencies.TaskRun: the `task` source, images, then inputs; duplicates dropped. */
function resolvedDependencies(taskRun: TaskRun, v2alpha4: boolean, warn: Warn): Dependency[] {
  const entries: Dependency[] = [];
  const refSource = taskRun.status?.provenance?.refSource;
  if (refSource)
    entries.push({ name: TASK_CONFIG, uri: refSource.uri ?? '', digest: { ...(refSource.digest ?? {}) } });
  const { steps, sidecars } = taskRunImages(taskRun, warn);
  entries.push(...steps, ...sidecars);
  const inputs = (materials: Material[]) =>
    materials.map((material) => ({ name: INPUT_RESULT, ...material }));
  if (v2alpha4) entries.push(...inputs(taskRunStepInputs(taskRun, warn)));
  entries.push(...inputs(taskRunInputs(taskRun, warn)));
  return removeDuplicateDependencies(entries);
}
