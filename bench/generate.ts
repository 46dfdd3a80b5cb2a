// Generated PipelineRuns for the benchmark, shaped like what Tekton Pipelines writes (v1) at the moment the
// attest finally task runs: every DAG task and the other finally task done, the attest TaskRun running, the
// PipelineRun `Running` without status.results. Each TaskRun has 2 steps, params, a resolved taskSpec, results
// and provenance; pipeline results name 1-3 images (the subjects). Deterministic apart from the run's uid.
import { randomUUID } from 'node:crypto';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are open-ended JSON.
export type KubeObject = Record<string, any>;

export interface ImageRef {
  /** host[:port]/repository */
  url: string;
  /** sha256:<hex> */
  digest: string;
}

export interface GenerateOptions {
  /** TaskRuns to attest (the attest TaskRun comes on top). At least 1 + images.length + 1. */
  tasks: number;
  /** The images the run built: its subjects (1 to 3). */
  images: ImageRef[];
  name: string;
  namespace?: string;
  /** Bytes of step scripts per TaskRun (split over its steps); default: a 4-line script per step. */
  scriptBytes?: number;
}

export interface GeneratedRun {
  pipelineRun: KubeObject;
  taskRuns: KubeObject[];
  /** The running attest TaskRun (excluded with --taskrun). */
  attestTaskRun: string;
  name: string;
  namespace: string;
}

const RESULT_PREFIXES = ['APP_', 'WORKER_', 'MIGRATIONS_'];
const COMMIT = '7f3c2a9d41e0b5c86f2d9e1a3b4c5d6e7f8a9b0c';
const REPO_URL = 'https://github.com/example-org/shop';
const BASE_TIME = Date.parse('2024-05-01T10:00:00Z');

/** Step images come from a small pool, as in real catalogs (the same few tool images everywhere). */
const STEP_IMAGES = ['git-init', 'kaniko-executor', 'golang', 'node', 'trivy', 'alpine-curl'].map(
  (name, i) => ({
    image: `registry.example.com/tools/${name}:v1.${i}`,
    id: `docker-pullable://registry.example.com/tools/${name}@sha256:${hex(`${name}-${i}`)}`,
  }),
);

/** A stable 64-char hex string derived from a seed (no crypto needed: only the shape matters). */
function hex(seed: string): string {
  let h = 2166136261;
  let out = '';
  while (out.length < 64) {
    for (const c of `${seed}${out.length}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

const time = (seconds: number) => new Date(BASE_TIME + seconds * 1000).toISOString().replace('.000Z', 'Z');

interface TaskKind {
  name: string;
  steps: [number, number];
  results: (i: number) => Record<string, string>;
  params: Record<string, string>;
}

function kindOf(index: number, images: ImageRef[]): TaskKind {
  if (index === 0) {
    return {
      name: 'git-clone',
      steps: [0, 5],
      results: () => ({ commit: COMMIT, url: REPO_URL, 'committer-date': '1714557600' }),
      params: { url: REPO_URL, revision: 'main', depth: '1' },
    };
  }
  const image = images[index - 1];
  if (image) {
    return {
      name: `build-${RESULT_PREFIXES[index - 1]!.slice(0, -1).toLowerCase()}`,
      steps: [1, 5],
      results: () => ({ IMAGE_URL: image.url, IMAGE_DIGEST: image.digest }),
      params: {
        IMAGE: image.url,
        CONTEXT: `services/${index}`,
        DOCKERFILE: 'Dockerfile',
        revision: '$(tasks.git-clone.results.commit)',
      },
    };
  }
  const kinds = ['unit-test', 'lint', 'scan'];
  const kind = kinds[index % kinds.length]!;
  return {
    name: `${kind}-${index}`,
    steps: kind === 'scan' ? [4, 5] : kind === 'lint' ? [3, 5] : [2, 5],
    results: (i) => ({
      REPORT: JSON.stringify({ passed: 100 + (i % 37), failed: 0, skipped: i % 5, durationSeconds: 30 + i }),
      REPORT_URL: `https://reports.example.com/shop/${COMMIT.slice(0, 8)}/${kind}-${i}.html`,
    }),
    params: { package: `./pkg/module-${index}/...`, revision: '$(tasks.git-clone.results.commit)' },
  };
}

export function generateRun(options: GenerateOptions): GeneratedRun {
  const { name, images } = options;
  const namespace = options.namespace ?? 'ci';
  if (images.length < 1 || images.length > 3) throw new Error('generateRun: 1 to 3 images');
  if (options.tasks < images.length + 2) throw new Error(`generateRun: at least ${images.length + 2} tasks`);
  const uid = randomUUID();
  const owner = [
    {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  const dagCount = options.tasks - 1;
  const plans = Array.from({ length: options.tasks + 1 }, (_, i) => {
    if (i < dagCount) return { ...kindOf(i, images), finally: false, running: false };
    if (i === dagCount) {
      return {
        name: 'notify',
        steps: [5, 5] as [number, number],
        results: () => ({ MESSAGE_ID: 'msg-4711' }),
        params: { channel: '#ci' },
        finally: true,
        running: false,
      };
    }
    return {
      name: 'attest',
      steps: [5, 5] as [number, number],
      results: () => ({}),
      params: {},
      finally: true,
      running: true,
    };
  });

  const taskRuns = plans.map((plan, i) => {
    const runName = `${name}-${plan.name}`;
    const start = plan.finally ? dagCount * 2 + 10 : i * 2;
    const end = start + 40 + (i % 17);
    const results = Object.entries(plan.results(i)).map(([key, value]) => ({
      name: key,
      type: 'string',
      value,
    }));
    const stepImages = plan.steps.map((s) => STEP_IMAGES[s]!);
    const taskSpec = {
      params: Object.keys(plan.params).map((p) => ({ name: p, type: 'string', description: `the ${p}` })),
      results: Object.keys(plan.results(i)).map((r) => ({
        name: r,
        type: 'string',
        description: `the ${r}`,
      })),
      steps: stepImages.map((step, s) => ({
        name: s === 0 ? 'prepare' : 'run',
        image: step.image,
        computeResources: { requests: { cpu: '100m', memory: '128Mi' } },
        script: stepScript(
          `#!/bin/sh\nset -eu\necho "${plan.name} step ${s}"\ntest -d /workspace/source\n`,
          (options.scriptBytes ?? 0) / stepImages.length,
        ),
        workingDir: '/workspace/source',
      })),
      workspaces: [{ name: 'source', mountPath: '/workspace/source' }],
    };
    const condition = plan.running
      ? {
          type: 'Succeeded',
          status: 'Unknown',
          reason: 'Running',
          message: 'Not all Steps in the Task have finished executing',
        }
      : {
          type: 'Succeeded',
          status: 'True',
          reason: 'Succeeded',
          message: 'All Steps have completed executing',
        };
    const status: KubeObject = {
      podName: `${runName}-pod`,
      startTime: time(start),
      conditions: [{ ...condition, lastTransitionTime: time(plan.running ? start : end) }],
      steps: stepImages.map((step, s) => ({
        name: s === 0 ? 'prepare' : 'run',
        container: `step-${s === 0 ? 'prepare' : 'run'}`,
        imageID: step.id,
        ...(plan.running
          ? s === 0
            ? { running: { startedAt: time(start + 1) } }
            : { waiting: { reason: 'PodInitializing' } }
          : {
              terminated: {
                exitCode: 0,
                reason: 'Completed',
                startedAt: time(start + 1 + s * 10),
                finishedAt: time(start + 10 + s * 20),
                containerID: `containerd://${hex(`${runName}-${s}`)}`,
              },
            }),
      })),
      taskSpec,
      provenance: {
        refSource: {
          uri: 'git+https://github.com/example-org/tekton-catalog.git',
          digest: { sha1: hex('catalog').slice(0, 40) },
          entryPoint: `task/${plan.name.replace(/-\d+$/, '')}/task.yaml`,
        },
        featureFlags: { EnableAPIFields: 'beta', ResultExtractionMethod: 'termination-message' },
      },
      ...(plan.running ? {} : { completionTime: time(end) }),
      ...(results.length ? { results } : {}),
    };
    return {
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: {
        name: runName,
        namespace,
        labels: {
          'app.kubernetes.io/managed-by': 'tekton-pipelines',
          'tekton.dev/pipeline': 'shop-build',
          'tekton.dev/pipelineRun': name,
          'tekton.dev/pipelineRunUID': uid,
          'tekton.dev/pipelineTask': plan.name,
          'tekton.dev/memberOf': plan.finally ? 'finally' : 'tasks',
          'tekton.dev/task': plan.name.replace(/-\d+$/, ''),
        },
        annotations: { 'pipeline.tekton.dev/release': 'v0.62.1' },
        ownerReferences: owner,
      },
      spec: {
        params: Object.entries(plan.params).map(([key, value]) => ({ name: key, value })),
        serviceAccountName: 'pipeline',
        taskRef: {
          resolver: 'git',
          params: [
            { name: 'url', value: 'https://github.com/example-org/tekton-catalog.git' },
            { name: 'pathInRepo', value: `task/${plan.name.replace(/-\d+$/, '')}/task.yaml` },
          ],
        },
        timeout: '1h0m0s',
        workspaces: [{ name: 'source', persistentVolumeClaim: { claimName: `${name}-source` } }],
      },
      status,
    } satisfies KubeObject;
  });

  const pipelineTask = (plan: (typeof plans)[number], i: number) => ({
    name: plan.name,
    params: Object.entries(plan.params).map(([key, value]) => ({ name: key, value })),
    taskRef: {
      resolver: 'git',
      params: [{ name: 'pathInRepo', value: `task/${plan.name.replace(/-\d+$/, '')}/task.yaml` }],
    },
    ...(i > 0 && !plan.finally ? { runAfter: [i <= images.length ? 'git-clone' : plans[1]!.name] } : {}),
    workspaces: [{ name: 'source', workspace: 'shared' }],
  });
  const pipelineSpec = {
    params: [{ name: 'revision', type: 'string', default: 'main' }],
    workspaces: [{ name: 'shared' }],
    tasks: plans.filter((p) => !p.finally).map(pipelineTask),
    finally: plans.filter((p) => p.finally).map((p) => pipelineTask(p, 0)),
    results: images.flatMap((_, i) => [
      { name: `${RESULT_PREFIXES[i]}IMAGE_URL`, value: `$(tasks.${plans[i + 1]!.name}.results.IMAGE_URL)` },
      {
        name: `${RESULT_PREFIXES[i]}IMAGE_DIGEST`,
        value: `$(tasks.${plans[i + 1]!.name}.results.IMAGE_DIGEST)`,
      },
    ]),
  };
  const pipelineRun: KubeObject = {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name,
      namespace,
      uid,
      labels: { 'tekton.dev/pipeline': 'shop-build', 'app.kubernetes.io/managed-by': 'tekton-pipelines' },
      annotations: {},
    },
    spec: {
      pipelineRef: {
        resolver: 'git',
        params: [
          { name: 'url', value: 'https://github.com/example-org/pipelines.git' },
          { name: 'pathInRepo', value: 'shop/build.yaml' },
        ],
      },
      params: [{ name: 'revision', value: 'main' }],
      taskRunTemplate: { serviceAccountName: 'pipeline' },
      timeouts: { pipeline: '1h0m0s' },
      workspaces: [{ name: 'shared', persistentVolumeClaim: { claimName: `${name}-source` } }],
    },
    status: {
      startTime: time(0),
      finallyStartTime: time(dagCount * 2 + 5),
      conditions: [
        {
          type: 'Succeeded',
          status: 'Unknown',
          reason: 'Running',
          message: `Tasks Completed: ${dagCount + 1} (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0`,
          lastTransitionTime: time(dagCount * 2 + 5),
        },
      ],
      pipelineSpec,
      childReferences: plans.map((plan) => ({
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        name: `${name}-${plan.name}`,
        pipelineTaskName: plan.name,
      })),
      provenance: {
        refSource: {
          uri: 'git+https://github.com/example-org/pipelines.git',
          digest: { sha1: hex('pipelines').slice(0, 40) },
          entryPoint: 'shop/build.yaml',
        },
        featureFlags: { EnableAPIFields: 'beta', ResultExtractionMethod: 'termination-message' },
      },
    },
  };
  return { pipelineRun, taskRuns, attestTaskRun: `${name}-attest`, name, namespace };
}

/** A step script of at least `bytes` bytes: `head`, then numbered shell lines such as long inline scripts have. */
function stepScript(head: string, bytes: number): string {
  const lines = [head];
  let size = head.length;
  for (let i = 0; size < bytes; i++) {
    const line = `if [ -f "config/part-${i}.yaml" ]; then kubectl apply --dry-run=client -f "config/part-${i}.yaml"; fi\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}
