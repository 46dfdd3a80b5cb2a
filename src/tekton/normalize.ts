import type { CustomRun, PipelineRun, TaskRun } from './types.js';

/**
 * tekton.dev/v1beta1 -> tekton.dev/v1 field names, applied once where objects enter (files or the API),
 * so everything inside reads v1 only. Objects that do not say they are v1beta1 are taken as v1, as Chains
 * (v1-only) reads them: v1beta1-only fields such as `status.taskRuns` are then simply ignored.
 *
 * What Tekton's own v1beta1 ConvertTo (pipeline v1.15) does to what provenance reads, as the API server's
 * conversion webhook serves the object to Chains: TaskRun `status.taskResults` -> `status.results` (also in
 * `retriesStatus`), each step state's `terminationReason` from its terminated state's reason, steps',
 * sidecars' and the stepTemplate's `resources` -> `computeResources` in every embedded task spec (TaskRun
 * spec and status, pipeline tasks); PipelineRun `status.pipelineResults` -> `status.results`,
 * `spec.serviceAccountName`/`spec.podTemplate` -> `spec.taskRunTemplate`, `spec.timeout` ->
 * `spec.timeouts.pipeline`, `taskRunSpecs[].taskServiceAccountName`/`taskPodTemplate` ->
 * `serviceAccountName`/`podTemplate`. ConvertTo drops `status.provenance.configSource` (Pipelines 0.41-0.44
 * wrote the source there; only `refSource` is converted) and the v1beta1 `status.taskRuns`/`runs` maps (use
 * childReferences and the TaskRuns themselves).
 */
export const V1BETA1 = 'tekton.dev/v1beta1';
export const V1 = 'tekton.dev/v1';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function rename(object: Json, from: string, to: string): void {
  if (!(from in object)) return;
  if (object[to] === undefined) object[to] = object[from];
  delete object[from];
}

/**
 * The object normalization may change, never the caller's: v1beta1 renames reach into spec and status, so
 * those are copied deeply; a v1 object only gets missing top-level fields, so a shallow copy does (a deep one
 * was most of the cost of building a statement).
 */
function ownCopy(object: Json): Json {
  return object.apiVersion === V1BETA1 ? structuredClone(object) : { ...object };
}

/**
 * The conversion webhook re-encodes the converted object through Go types, where empty `labels` and
 * `annotations` maps are omitted (omitempty), so Chains reads them as absent (null), not `{}`.
 */
function dropEmptyMetadataMaps(run: Json): void {
  if (!isObject(run.metadata)) return;
  for (const field of ['labels', 'annotations']) {
    const map = run.metadata[field];
    if (isObject(map) && Object.keys(map).length === 0) delete run.metadata[field];
  }
}

/** v1beta1 Provenance.convertTo copies refSource and featureFlags only. */
function dropConfigSource(status: Json): void {
  if (isObject(status.provenance)) delete status.provenance.configSource;
}

/** v1beta1 Step, Sidecar and StepTemplate convertTo: `resources` becomes `computeResources`. */
function convertTaskSpec(spec: unknown): void {
  if (!isObject(spec)) return;
  const containers = [
    ...(Array.isArray(spec.steps) ? spec.steps : []),
    ...(Array.isArray(spec.sidecars) ? spec.sidecars : []),
    spec.stepTemplate,
  ];
  for (const container of containers) {
    if (!isObject(container)) continue;
    if ('resources' in container) container.computeResources = container.resources;
    delete container.resources;
  }
}

function convertPipelineSpec(spec: unknown): void {
  if (!isObject(spec)) return;
  for (const list of [spec.tasks, spec.finally]) {
    if (!Array.isArray(list)) continue;
    for (const task of list) if (isObject(task)) convertTaskSpec(task.taskSpec);
  }
}

/** v1beta1 TaskRunStatus.ConvertTo, for the fields provenance reads; retries are converted the same way. */
function convertTaskRunStatus(status: Json): void {
  dropConfigSource(status);
  rename(status, 'taskResults', 'results');
  for (const step of Array.isArray(status.steps) ? status.steps : []) {
    if (!isObject(step)) continue;
    // v1beta1 has no terminationReason field: ConvertTo takes it from the terminated state.
    delete step.terminationReason;
    if (
      isObject(step.terminated) &&
      typeof step.terminated.reason === 'string' &&
      step.terminated.reason !== ''
    ) {
      step.terminationReason = step.terminated.reason;
    }
  }
  convertTaskSpec(status.taskSpec);
  for (const retry of Array.isArray(status.retriesStatus) ? status.retriesStatus : []) {
    if (isObject(retry)) convertTaskRunStatus(retry);
  }
}

export function normalizePipelineRun(object: Json): PipelineRun {
  const run = ownCopy(object);
  if (run.apiVersion === V1BETA1) {
    const spec = isObject(run.spec) ? run.spec : {};
    const template: Json = isObject(spec.taskRunTemplate) ? spec.taskRunTemplate : {};
    for (const field of ['serviceAccountName', 'podTemplate']) {
      if (spec[field] !== undefined && template[field] === undefined) template[field] = spec[field];
      delete spec[field];
    }
    if (Object.keys(template).length > 0) spec.taskRunTemplate = template;
    if (spec.timeout !== undefined) {
      const timeouts: Json = isObject(spec.timeouts) ? spec.timeouts : {};
      if (timeouts.pipeline === undefined) timeouts.pipeline = spec.timeout;
      spec.timeouts = timeouts;
      delete spec.timeout;
    }
    if (Array.isArray(spec.taskRunSpecs)) {
      for (const taskRunSpec of spec.taskRunSpecs) {
        if (!isObject(taskRunSpec)) continue;
        rename(taskRunSpec, 'taskServiceAccountName', 'serviceAccountName');
        rename(taskRunSpec, 'taskPodTemplate', 'podTemplate');
      }
    }
    convertPipelineSpec(spec.pipelineSpec);
    run.spec = spec;
    if (isObject(run.status)) {
      dropConfigSource(run.status);
      convertPipelineSpec(run.status.pipelineSpec);
      rename(run.status, 'pipelineResults', 'results');
      delete run.status.taskRuns;
      delete run.status.runs;
    }
    dropEmptyMetadataMaps(run);
    run.apiVersion = V1;
  }
  ensureMetadataAndSpec(run);
  return run as unknown as PipelineRun;
}

/** Every run object downstream code reads has `metadata` and `spec`, even when the input omitted them. */
function ensureMetadataAndSpec(run: Json): void {
  if (!isObject(run.metadata)) run.metadata = {};
  if (!isObject(run.spec)) run.spec = {};
}

export function normalizeTaskRun(object: Json): TaskRun {
  const run = ownCopy(object);
  if (run.apiVersion === V1BETA1) {
    if (isObject(run.spec)) convertTaskSpec(run.spec.taskSpec);
    if (isObject(run.status)) convertTaskRunStatus(run.status);
    dropEmptyMetadataMaps(run);
    run.apiVersion = V1;
  }
  ensureMetadataAndSpec(run);
  return run as unknown as TaskRun;
}

export function normalizeCustomRun(object: Json): CustomRun {
  const run = ownCopy(object);
  ensureMetadataAndSpec(run);
  return run as unknown as CustomRun;
}
