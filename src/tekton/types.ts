/**
 * The subset of tekton.dev/v1 objects that provenance needs. Objects read from files or the API are
 * normalized to these shapes once, at the edge (see normalize.ts); everything inside works on v1 names.
 */

export type ParamValue = string | string[] | Record<string, string>;

export interface Param {
  name: string;
  value: ParamValue;
}

export interface ParamSpec {
  name: string;
  type?: string;
  description?: string;
  default?: ParamValue;
}

export interface ResultValue {
  name: string;
  type?: string;
  value: ParamValue;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  ownerReferences?: {
    apiVersion?: string;
    kind?: string;
    name?: string;
    uid?: string;
    controller?: boolean;
  }[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface RefSource {
  uri?: string;
  digest?: Record<string, string>;
  entryPoint?: string;
}

export interface Provenance {
  refSource?: RefSource;
  featureFlags?: Record<string, unknown>;
}

export interface Step {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  script?: string;
  ref?: { name?: string; resolver?: string; params?: Param[] };
  [field: string]: unknown;
}

export interface TaskSpec {
  params?: ParamSpec[];
  steps?: Step[];
  sidecars?: Step[];
  results?: { name: string; type?: string }[];
  [field: string]: unknown;
}

export interface TaskRef {
  name?: string;
  kind?: string;
  apiVersion?: string;
  resolver?: string;
  params?: Param[];
}

export interface WhenExpression {
  input?: string;
  operator?: string;
  values?: string[];
  cel?: string;
}

export interface PipelineTask {
  name: string;
  taskRef?: TaskRef;
  taskSpec?: TaskSpec;
  params?: Param[];
  runAfter?: string[];
  when?: WhenExpression[];
  matrix?: { params?: Param[]; include?: { name?: string; params?: Param[] }[] };
  [field: string]: unknown;
}

export interface PipelineSpec {
  params?: ParamSpec[];
  tasks?: PipelineTask[];
  finally?: PipelineTask[];
  results?: { name: string; type?: string; description?: string; value: ParamValue }[];
  [field: string]: unknown;
}

export interface StepState {
  name?: string;
  container?: string;
  imageID?: string;
  terminated?: { exitCode?: number; reason?: string; startedAt?: string; finishedAt?: string };
  results?: ResultValue[];
  provenance?: Provenance;
  [field: string]: unknown;
}

/** Tekton's Artifacts API (TEP-0147, alpha in Tekton v1.x): what a step declared it read or produced. */
export interface Artifact {
  name?: string;
  values?: { uri?: string; digest?: Record<string, string> }[];
  /** An output the build publishes (a subject), not a byproduct. */
  buildOutput?: boolean;
}

export interface TaskRunStatus {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  podName?: string;
  steps?: StepState[];
  sidecars?: { name?: string; container?: string; imageID?: string }[];
  results?: ResultValue[];
  taskSpec?: TaskSpec;
  provenance?: Provenance;
  retriesStatus?: TaskRunStatus[];
  /** The steps' artifacts, merged by Tekton (`enable-artifacts`). */
  artifacts?: { inputs?: Artifact[]; outputs?: Artifact[] };
  [field: string]: unknown;
}

export interface TaskRun {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    params?: Param[];
    taskRef?: TaskRef;
    taskSpec?: TaskSpec;
    serviceAccountName?: string;
    [field: string]: unknown;
  };
  status?: TaskRunStatus;
}

/** A custom task run: it has no steps, but it is part of the pipeline and can produce results. */
export interface CustomRun {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    customRef?: { apiVersion?: string; kind?: string; name?: string };
    params?: Param[];
    [field: string]: unknown;
  };
  status?: {
    conditions?: Condition[];
    startTime?: string;
    completionTime?: string;
    results?: ResultValue[];
    [field: string]: unknown;
  };
}

export interface ChildReference {
  apiVersion?: string;
  kind?: string;
  name: string;
  pipelineTaskName?: string;
}

export interface PipelineRunStatus {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  finallyStartTime?: string;
  pipelineSpec?: PipelineSpec;
  results?: ResultValue[];
  childReferences?: ChildReference[];
  skippedTasks?: { name: string; reason?: string }[];
  provenance?: Provenance;
  [field: string]: unknown;
}

export interface PipelineRun {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    pipelineRef?: { name?: string; resolver?: string; params?: Param[] };
    pipelineSpec?: PipelineSpec;
    params?: Param[];
    taskRunTemplate?: { serviceAccountName?: string; podTemplate?: unknown };
    taskRunSpecs?: { pipelineTaskName: string; serviceAccountName?: string; [field: string]: unknown }[];
    [field: string]: unknown;
  };
  status?: PipelineRunStatus;
}

export const LABEL_PIPELINE_RUN = 'tekton.dev/pipelineRun';
export const LABEL_PIPELINE_RUN_UID = 'tekton.dev/pipelineRunUID';
export const LABEL_PIPELINE_TASK = 'tekton.dev/pipelineTask';
export const LABEL_TASK_RUN = 'tekton.dev/taskRun';
export const LABEL_REPRODUCIBLE = 'chains.tekton.dev/reproducible';
