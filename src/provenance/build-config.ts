import { pipelineTaskResultRefs } from '../tekton/result-refs.js';
import type { PipelineTask, ResultValue, Step, StepState, TaskRef, TaskRun } from '../tekton/types.js';
import type { RunContext } from './context.js';
import { type Invocation, invocation } from './invocation.js';
import { GO_ZERO_TIME, rfc3339Utc } from './time.js';

/**
 * SLSA v0.2 `buildConfig.tasks` (Chains' v1 pipelinerun buildConfig): one entry per executed TaskRun of
 * each pipeline task (tasks, then finally; a matrix task has several), in that order.
 *
 * A TaskRun is left out when it has no completionTime (still running, or skipped by `when`: then it does
 * not exist at all), no `status.taskSpec`, a different number of spec steps and step states, or a step
 * state named `unnamed-*` where the spec step has a name (the two lists do not line up).
 *
 * `after` is the task's runAfter plus every task it references through `$(tasks.X.results...)`; a finally
 * task with neither runs after the last non-finally task that has a TaskRun.
 */
export interface TaskAttestation {
  name: string;
  after?: string[];
  ref: Partial<TaskRef>;
  startedOn: string;
  finishedOn: string;
  serviceAccountName?: string;
  status?: string;
  steps?: StepAttestation[];
  invocation: Invocation;
  results?: ResultValue[];
}

export interface StepAttestation {
  entryPoint: string;
  arguments: string[] | null;
  environment: { container: string; image: string };
  annotations: null;
}

export function buildConfig(context: RunContext): { tasks: TaskAttestation[] | null } {
  const { snapshot, taskRunsByTask, warn } = context;
  if (!snapshot.pipelineRun.status?.pipelineSpec) return { tasks: null };
  const serviceAccountName = snapshot.pipelineRun.spec.taskRunTemplate?.serviceAccountName;
  const tasks: TaskAttestation[] = [];
  let last: string | undefined;
  for (const { task, isFinally } of context.pipelineTasks) {
    const taskRuns = taskRunsByTask.get(task.name) ?? [];
    if (taskRuns.length === 0) continue;
    for (const taskRun of taskRuns) {
      const skipped = skipReason(taskRun);
      if (skipped) {
        if (skipped !== 'not complete') {
          warn(`left out of buildConfig.tasks: ${skipped}`, { kind: 'TaskRun', name: taskRun.metadata.name });
        }
        continue;
      }
      const after = afterOf(task);
      if (after.length === 0 && isFinally && last !== undefined) after.push(last);
      tasks.push(attestation(task, taskRun, after, serviceAccountName));
    }
    if (!isFinally) last = task.name;
  }
  return { tasks };
}

function skipReason(taskRun: TaskRun): string | undefined {
  const status = taskRun.status;
  if (!status?.completionTime) return 'not complete';
  if (!status.taskSpec) return 'it has no status.taskSpec';
  const specSteps = status.taskSpec.steps ?? [];
  const states = status.steps ?? [];
  if (specSteps.length !== states.length) {
    return `status.steps has ${states.length} steps but status.taskSpec.steps has ${specSteps.length}`;
  }
  const mismatch = specSteps.findIndex((step, i) => states[i]?.name?.startsWith('unnamed-') && step.name);
  if (mismatch !== -1) {
    return `status.steps[${mismatch}] is ${states[mismatch]?.name} but status.taskSpec.steps[${mismatch}] is ${specSteps[mismatch]?.name}`;
  }
  return undefined;
}

function afterOf(task: PipelineTask): string[] {
  const after = [...(task.runAfter ?? [])];
  for (const ref of pipelineTaskResultRefs(task)) {
    if (!after.includes(ref.pipelineTask)) after.push(ref.pipelineTask);
  }
  return after;
}

function attestation(
  task: PipelineTask,
  taskRun: TaskRun,
  after: string[],
  serviceAccountName: string | undefined,
): TaskAttestation {
  const status = taskRun.status ?? {};
  const specSteps = status.taskSpec?.steps ?? [];
  const entry: TaskAttestation = {
    name: task.name,
    ref: taskRef(task.taskRef),
    startedOn: status.startTime ? rfc3339Utc(status.startTime) : GO_ZERO_TIME,
    finishedOn: rfc3339Utc(status.completionTime ?? ''),
    invocation: invocation(
      status.provenance?.refSource,
      taskRun.spec.params,
      status.taskSpec?.params,
      taskRun.metadata,
    ),
  };
  if (after.length > 0) entry.after = after;
  if (serviceAccountName) entry.serviceAccountName = serviceAccountName;
  const state = runState(status.conditions?.[0]?.status);
  if (state) entry.status = state;
  const steps = (status.steps ?? []).map((stepState, i) => stepAttestation(specSteps[i] ?? {}, stepState));
  if (steps.length > 0) entry.steps = steps;
  const results = (status.results ?? []).map(({ name, type, value }) =>
    type ? { name, type, value } : { name, value },
  );
  if (results.length > 0) entry.results = results;
  return entry;
}

/** Following tkn: the first condition's status. */
function runState(status: string | undefined): string | undefined {
  if (status === 'False') return 'Failed';
  if (status === 'True') return 'Succeeded';
  if (status === 'Unknown') return 'Running';
  return undefined;
}

function taskRef(ref: TaskRef | undefined): Partial<TaskRef> {
  const out: Partial<TaskRef> = {};
  if (ref?.name) out.name = ref.name;
  if (ref?.kind) out.kind = ref.kind;
  if (ref?.apiVersion) out.apiVersion = ref.apiVersion;
  if (ref?.resolver) out.resolver = ref.resolver;
  if (ref?.params?.length) out.params = ref.params;
  return out;
}

/** One step as Chains' attest.Step records it. */
export function stepAttestation(step: Step, state: StepState): StepAttestation {
  return {
    entryPoint: step.script ? step.script : (step.command ?? []).join(' '),
    arguments: step.args ?? null,
    environment: {
      container: state.name ?? '',
      image: `oci://${(state.imageID ?? '').replace(/^docker-pullable:\/\//, '')}`,
    },
    annotations: null,
  };
}
