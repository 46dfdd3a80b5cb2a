// Builds a PipelineRun and its children as Tekton Pipelines writes them (v1, or v1beta1 field names),
// caught at the moment the attest finally task runs: DAG tasks done, other finally tasks maybe still
// running, the PipelineRun `Running` without status.results.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from './fake-kube.js';

export interface TaskPlan {
  name: string;
  finally?: boolean;
  state?: 'succeeded' | 'failed' | 'running';
  /** Results the TaskRun wrote (strings). */
  results?: Record<string, string>;
  /** A matrixed task: this many TaskRuns, each with result values suffixed -<i>. */
  matrix?: number;
  /** A custom task: a CustomRun instead of a TaskRun. */
  custom?: boolean;
  /** Minute of completion (after 10:00); default: position in the list. */
  finishedAtMinute?: number;
}

export interface ScenarioOptions {
  name?: string;
  namespace?: string;
  tasks: TaskPlan[];
  /** The attesting finally task (a running TaskRun, excluded from provenance). */
  attestTask?: string;
  /** The whole run is complete (status.results written, completionTime set). */
  complete?: boolean;
  apiVersion?: 'v1' | 'v1beta1';
  /** Pipeline results, e.g. {IMAGE_URL: '$(tasks.build.results.IMAGE_URL)'} */
  pipelineResults?: Record<string, string>;
}

export interface Scenario {
  pipelineRun: KubeObject;
  taskRuns: KubeObject[];
  customRuns: KubeObject[];
  attestTaskRun: string | undefined;
  uid: string;
  name: string;
  namespace: string;
}

export const IMAGE = 'registry.example.com/team/app';
export const IMAGE_DIGEST = `sha256:${'c6cad725fced12b1e7594736b205ac4ca71d0f3a665e2e471f6e23b9f1debc86'}`;
const STEP_IMAGE_ID = `docker.io/library/busybox@sha256:${'a'.repeat(64)}`;

const at = (minute: number) => `2024-05-01T10:${String(minute).padStart(2, '0')}:00Z`;

export function buildScenario(options: ScenarioOptions): Scenario {
  const name = options.name ?? 'app-build-x7k2p';
  const namespace = options.namespace ?? 'ci';
  const uid = randomUUID();
  const apiVersion = `tekton.dev/${options.apiVersion ?? 'v1'}`;
  const beta = options.apiVersion === 'v1beta1';
  const plans = [...options.tasks];
  if (options.attestTask) plans.push({ name: options.attestTask, finally: true, state: 'running' });
  const labelsFor = (plan: TaskPlan) => ({
    'tekton.dev/pipeline': 'build-and-push',
    'tekton.dev/pipelineRun': name,
    'tekton.dev/pipelineRunUID': uid,
    'tekton.dev/pipelineTask': plan.name,
    'tekton.dev/memberOf': plan.finally ? 'finally' : 'tasks',
  });
  const owner = [{ apiVersion, kind: 'PipelineRun', name, uid, controller: true, blockOwnerDeletion: true }];
  const taskRuns: KubeObject[] = [];
  const customRuns: KubeObject[] = [];
  const childReferences: KubeObject[] = [];

  for (const [index, plan] of plans.entries()) {
    const state = plan.state ?? 'succeeded';
    const minute = plan.finishedAtMinute ?? index + 1;
    const count = plan.matrix ?? 1;
    for (let i = 0; i < count; i++) {
      const runName = plan.matrix ? `${name}-${plan.name}-${i}` : `${name}-${plan.name}`;
      const results = Object.entries(plan.results ?? {}).map(([key, value]) => ({
        name: key,
        type: 'string',
        value: plan.matrix ? `${value}-${i}` : value,
      }));
      const condition =
        state === 'running'
          ? {
              type: 'Succeeded',
              status: 'Unknown',
              reason: 'Running',
              message: 'Not all Steps in the Task have finished executing',
            }
          : state === 'failed'
            ? {
                type: 'Succeeded',
                status: 'False',
                reason: 'Failed',
                message: '"step-build" exited with code 1',
              }
            : {
                type: 'Succeeded',
                status: 'True',
                reason: 'Succeeded',
                message: 'All Steps have completed executing',
              };
      const status: KubeObject = {
        conditions: [{ ...condition, lastTransitionTime: at(minute) }],
        startTime: at(index),
        ...(state === 'running' ? {} : { completionTime: at(minute) }),
      };
      if (plan.custom) {
        if (results.length) status.results = results;
        customRuns.push({
          apiVersion: 'tekton.dev/v1beta1',
          kind: 'CustomRun',
          metadata: { name: runName, namespace, labels: labelsFor(plan), ownerReferences: owner },
          spec: {
            customRef: { apiVersion: 'example.dev/v1', kind: 'Approval', name: plan.name },
            params: [],
          },
          status,
        });
        childReferences.push({
          apiVersion: 'tekton.dev/v1beta1',
          kind: 'CustomRun',
          name: runName,
          pipelineTaskName: plan.name,
        });
        continue;
      }
      status.podName = `${runName}-pod`;
      status.steps = [
        {
          name: plan.name,
          container: `step-${plan.name}`,
          imageID: STEP_IMAGE_ID,
          ...(state === 'running'
            ? { running: { startedAt: at(index) } }
            : {
                terminated: {
                  exitCode: state === 'failed' ? 1 : 0,
                  reason: state === 'failed' ? 'Error' : 'Completed',
                  startedAt: at(index),
                  finishedAt: at(minute),
                },
              }),
        },
      ];
      if (results.length) status[beta ? 'taskResults' : 'results'] = results;
      status.taskSpec = {
        results: Object.keys(plan.results ?? {}).map((r) => ({ name: r, type: 'string' })),
        steps: [{ name: plan.name, image: 'docker.io/library/busybox:1.36', script: `echo ${plan.name}` }],
      };
      taskRuns.push({
        apiVersion,
        kind: 'TaskRun',
        metadata: { name: runName, namespace, labels: labelsFor(plan), ownerReferences: owner },
        spec: {
          ...(plan.matrix ? { params: [{ name: 'variant', value: String(i) }] } : {}),
          serviceAccountName: 'pipeline',
          taskSpec: status.taskSpec,
          timeout: '1h0m0s',
        },
        status,
      });
      childReferences.push({ apiVersion, kind: 'TaskRun', name: runName, pipelineTaskName: plan.name });
    }
  }

  const toPipelineTask = (plan: TaskPlan) =>
    plan.custom
      ? { name: plan.name, taskRef: { apiVersion: 'example.dev/v1', kind: 'Approval', name: plan.name } }
      : {
          name: plan.name,
          taskSpec: {
            steps: [
              { name: plan.name, image: 'docker.io/library/busybox:1.36', script: `echo ${plan.name}` },
            ],
          },
          ...(plan.matrix
            ? {
                matrix: {
                  params: [
                    { name: 'variant', value: Array.from({ length: plan.matrix }, (_, i) => String(i)) },
                  ],
                },
              }
            : {}),
        };
  const pipelineSpec = {
    tasks: plans.filter((p) => !p.finally).map(toPipelineTask),
    finally: plans.filter((p) => p.finally).map(toPipelineTask),
    results: Object.entries(options.pipelineResults ?? {}).map(([key, value]) => ({ name: key, value })),
  };
  const lastMinute = plans.length + 1;
  const prStatus: KubeObject = {
    conditions: [
      options.complete
        ? {
            type: 'Succeeded',
            status: 'True',
            reason: 'Succeeded',
            message: 'Tasks Completed',
            lastTransitionTime: at(lastMinute),
          }
        : {
            type: 'Succeeded',
            status: 'Unknown',
            reason: 'Running',
            message: 'Tasks Completed: 3 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0',
            lastTransitionTime: at(0),
          },
    ],
    startTime: at(0),
    finallyStartTime: at(plans.filter((p) => !p.finally).length),
    pipelineSpec,
    childReferences,
    provenance: { featureFlags: { EnableAPIFields: 'beta', ResultExtractionMethod: 'termination-message' } },
  };
  if (options.complete) prStatus.completionTime = at(lastMinute);
  const pipelineRun: KubeObject = {
    apiVersion,
    kind: 'PipelineRun',
    metadata: { name, namespace, uid, labels: { 'tekton.dev/pipeline': 'build-and-push' }, annotations: {} },
    spec: {
      pipelineSpec,
      params: [],
      ...(beta
        ? { serviceAccountName: 'pipeline', timeout: '1h0m0s' }
        : { taskRunTemplate: { serviceAccountName: 'pipeline' }, timeouts: { pipeline: '1h0m0s' } }),
    },
    status: prStatus,
  };
  const attestTaskRun = options.attestTask ? `${name}-${options.attestTask}` : undefined;
  return { pipelineRun, taskRuns, customRuns, attestTaskRun, uid, name, namespace };
}

/** A typical finally-time run: clone, build (an image), notify (finally, maybe still running), attest. */
export function buildAndNotify(
  options: Partial<ScenarioOptions> & { notify?: TaskPlan['state'] } = {},
): Scenario {
  return buildScenario({
    attestTask: 'attest',
    pipelineResults: {
      IMAGE_URL: '$(tasks.build.results.IMAGE_URL)',
      IMAGE_DIGEST: '$(tasks.build.results.IMAGE_DIGEST)',
    },
    ...options,
    tasks: options.tasks ?? [
      {
        name: 'clone',
        results: {
          commit: 'bddc864da73307bfe907b4199a0656c5ad5e8147',
          url: 'https://github.com/example-org/app',
        },
      },
      { name: 'build', results: { IMAGE_URL: IMAGE, IMAGE_DIGEST } },
      { name: 'notify', finally: true, state: options.notify ?? 'succeeded' },
    ],
  });
}

/** The flags that point `attest` at a scenario: the API (a kubeconfig), its PipelineRun, its own TaskRun. */
export function targetArgs(scenario: Scenario, kubeconfig: string): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    '--namespace',
    scenario.namespace,
    '--pipelinerun',
    scenario.name,
    ...(scenario.attestTaskRun ? ['--taskrun', scenario.attestTaskRun] : []),
  ];
}
