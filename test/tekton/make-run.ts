// Builders for realistic tekton.dev/v1 PipelineRuns and TaskRuns, shaped like what the API returns.
import type {
  Param,
  PipelineRun,
  PipelineSpec,
  PipelineTask,
  RefSource,
  ResultValue,
  StepState,
  TaskRun,
} from '../../src/tekton/types.js';

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;
export const DIGEST_C = `sha256:${'c'.repeat(64)}`;

export interface TaskRunOptions {
  pipelineRun?: string;
  results?: ResultValue[];
  steps?: { name: string; image?: string; results?: ResultValue[]; refSource?: RefSource }[];
  sidecars?: { name: string; image: string }[];
  params?: Param[];
  /** 'True' succeeded, 'False' failed, 'Unknown' running. */
  succeeded?: 'True' | 'False' | 'Unknown';
  startTime?: string;
  completionTime?: string | null;
  refSource?: RefSource;
  retries?: NonNullable<TaskRun['status']>[];
}

export function taskRun(name: string, pipelineTask: string, options: TaskRunOptions = {}): TaskRun {
  const steps = options.steps ?? [
    { name: 'run', image: `registry.example/tools/${pipelineTask}@${DIGEST_C}` },
  ];
  const succeeded = options.succeeded ?? 'True';
  const status: NonNullable<TaskRun['status']> = {
    conditions: [
      {
        type: 'Succeeded',
        status: succeeded,
        reason: succeeded === 'True' ? 'Succeeded' : succeeded === 'False' ? 'Failed' : 'Running',
      },
    ],
    startTime: options.startTime ?? '2026-01-02T10:00:00Z',
    podName: `${name}-pod`,
    steps: steps.map(
      (step): StepState => ({
        name: step.name,
        container: `step-${step.name}`,
        imageID: `docker-pullable://${step.image ?? `registry.example/tools/${step.name}@${DIGEST_C}`}`,
        terminated: { exitCode: succeeded === 'False' ? 1 : 0, reason: 'Completed' },
        ...(step.results ? { results: step.results } : {}),
        ...(step.refSource ? { provenance: { refSource: step.refSource } } : {}),
      }),
    ),
    taskSpec: {
      params: [{ name: 'verbose', type: 'string', default: 'false' }],
      steps: steps.map((step) => ({ name: step.name, image: 'placeholder', script: `echo ${step.name}` })),
    },
    results: options.results ?? [],
  };
  if (options.completionTime !== null)
    status.completionTime = options.completionTime ?? '2026-01-02T10:01:00Z';
  if (options.sidecars) {
    status.sidecars = options.sidecars.map((s) => ({
      name: s.name,
      container: `sidecar-${s.name}`,
      imageID: s.image,
    }));
  }
  if (options.refSource) status.provenance = { refSource: options.refSource };
  if (options.retries) status.retriesStatus = options.retries;
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: {
      name,
      namespace: 'ci',
      uid: `uid-${name}`,
      labels: {
        'tekton.dev/pipelineRun': options.pipelineRun ?? 'build-pr',
        'tekton.dev/pipelineTask': pipelineTask,
      },
    },
    spec: {
      params: options.params ?? [],
      taskRef: { name: pipelineTask, kind: 'Task' },
      serviceAccountName: 'builder',
    },
    status,
  };
}

export interface PipelineRunOptions {
  name?: string;
  tasks: PipelineTask[];
  finally?: PipelineTask[];
  results?: PipelineSpec['results'];
  statusResults?: ResultValue[];
  /** Omit to model a run still running its finally tasks. */
  completionTime?: string;
  labels?: Record<string, string>;
  params?: Param[];
  childReferences?: string[];
}

export function pipelineRun(options: PipelineRunOptions): PipelineRun {
  const name = options.name ?? 'build-pr';
  const done = options.completionTime !== undefined;
  const status: NonNullable<PipelineRun['status']> = {
    conditions: [
      {
        type: 'Succeeded',
        status: done ? 'True' : 'Unknown',
        reason: done ? 'Succeeded' : 'Running',
      },
    ],
    startTime: '2026-01-02T09:59:00Z',
    pipelineSpec: {
      params: [{ name: 'git-url', type: 'string', default: 'https://git.example/app' }],
      tasks: options.tasks,
      ...(options.finally ? { finally: options.finally } : {}),
      ...(options.results ? { results: options.results } : {}),
    },
    results: options.statusResults ?? [],
  };
  if (done) status.completionTime = options.completionTime;
  if (!done) status.finallyStartTime = '2026-01-02T10:04:00Z';
  if (options.childReferences) {
    status.childReferences = options.childReferences.map((child) => ({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      name: child,
    }));
  }
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { name, namespace: 'ci', uid: `uid-${name}`, labels: options.labels ?? {} },
    spec: {
      pipelineRef: { name: 'build' },
      params: options.params ?? [],
      taskRunTemplate: { serviceAccountName: 'pipeline' },
    },
    status,
  };
}

export function task(name: string, extra: Partial<PipelineTask> = {}): PipelineTask {
  return { name, taskRef: { name, kind: 'Task' }, ...extra };
}
