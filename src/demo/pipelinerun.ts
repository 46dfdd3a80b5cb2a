// Over 300 lines: data, not logic (the demo run and its TaskRuns as kubectl would print them).
import {
  LABEL_PIPELINE_RUN,
  LABEL_PIPELINE_RUN_UID,
  LABEL_PIPELINE_TASK,
  type PipelineRun,
  type TaskRun,
} from '../tekton/types.js';

/**
 * The embedded default: a PipelineRun caught at the moment tekton-attest runs as its finally task.
 * clone -> scan -> build (IMAGE_URL/IMAGE_DIGEST), finally notify (done) and attest (this tool, still
 * running, so excluded). The run is still `Running` and has no `status.results` yet, so the pipeline's
 * results (the image and the CHAINS-GIT_* source) must be resolved from the TaskRuns, as in a cluster.
 * Shapes follow what Tekton Pipelines v1 writes; the digests are illustrative, not real images.
 */

const NAMESPACE = 'ci';
const PR_NAME = 'hello-app-build-x7k2p';
const PR_UID = '5f1c7a52-8d3e-4b8c-9a61-2c4f0e7d9b13';
const PIPELINE = 'build-and-push';
const SERVICE_ACCOUNT = 'pipeline';

export const DEMO_ATTEST_TASKRUN = `${PR_NAME}-attest`;

const sha = {
  pipelineCommit: 'ab463f4f21fce8c0e0938172211a083ea5219d2c',
  appCommit: 'bddc864da73307bfe907b4199a0656c5ad5e8147',
  gitCloneBundle: '2411355d7e5fe6cd645abc051d84837b3ce0f493735f6cd4386c7c0e635a10db',
  gitInit: 'bcfa843f4d411ac78d8d28d2f98fed81dc0e4ebd02e8721094fa3250902829fd',
  trivy: '1ff023b5ac2e3d6a5550e2534eb6750e045e53df1bfa1f543b210a5749a132f6',
  buildah: '3355e071ea5a58add945ba5f9248ab61c2185ab4b2b40340a69ff0560cdca2dc',
  appImage: 'c6cad725fced12b1e7594736b205ac4ca71d0f3a665e2e471f6e23b9f1debc86',
  curl: '427e4b79b1f0fc90306cbe064b1297b21dc6835bfa656d3bf46bc156e3f24bb0',
  attest: 'd41c7fa6fc49f430c2f8a9374b8dd0f3e7546ed4f889cec00d6695ae599cb865',
  attestBundle: '2c2f2b0dbc203760d6aef95097c12adc254fb7c85b2618d83e2e6c899542b7ce',
};

const APP_REPO = 'https://github.com/example-org/hello-app';
const IMAGE = 'registry.example.com/team/hello-app';
const GIT_CLONE_BUNDLE = 'ghcr.io/tektoncd/catalog/upstream/tasks/git-clone';
const ATTEST_BUNDLE = 'ghcr.io/example-org/tasks/tekton-attest';
const ATTEST_IMAGE = 'ghcr.io/example-org/tekton-attest';

const prLabels = {
  'app.kubernetes.io/part-of': 'hello-app',
  'tekton.dev/pipeline': PIPELINE,
};

const featureFlags = {
  EnableStepActions: true,
  EnforceNonfalsifiability: 'none',
  EnableAPIFields: 'beta',
  ResultExtractionMethod: 'termination-message',
  MaxResultSize: 4096,
  SetSecurityContext: false,
  Coschedule: 'workspaces',
};

const bundleRef = (bundle: string, name: string) => ({
  resolver: 'bundles',
  params: [
    { name: 'bundle', value: bundle },
    { name: 'name', value: name },
    { name: 'kind', value: 'task' },
  ],
});

const pipelineSpec: NonNullable<PipelineRun['spec']['pipelineSpec']> = {
  params: [
    { name: 'repo-url', type: 'string' },
    { name: 'revision', type: 'string', default: 'main' },
    { name: 'image', type: 'string' },
  ],
  workspaces: [{ name: 'source' }],
  tasks: [
    {
      name: 'clone',
      taskRef: bundleRef(`${GIT_CLONE_BUNDLE}:0.9@sha256:${sha.gitCloneBundle}`, 'git-clone'),
      params: [
        { name: 'url', value: '$(params.repo-url)' },
        { name: 'revision', value: '$(params.revision)' },
      ],
      workspaces: [{ name: 'output', workspace: 'source' }],
    },
    {
      name: 'scan',
      runAfter: ['clone'],
      taskSpec: {
        params: [{ name: 'severity', type: 'string', default: 'HIGH,CRITICAL' }],
        results: [{ name: 'summary', type: 'string' }],
        steps: [
          {
            name: 'trivy-fs',
            image: `docker.io/aquasec/trivy:0.58.1@sha256:${sha.trivy}`,
            args: ['fs', '--exit-code', '1', '--severity', '$(params.severity)', '$(workspaces.source.path)'],
          },
        ],
        workspaces: [{ name: 'source' }],
      },
      workspaces: [{ name: 'source', workspace: 'source' }],
    },
    {
      name: 'build',
      runAfter: ['scan'],
      taskSpec: {
        params: [
          { name: 'IMAGE', type: 'string' },
          { name: 'COMMIT', type: 'string' },
        ],
        results: [
          { name: 'IMAGE_URL', type: 'string' },
          { name: 'IMAGE_DIGEST', type: 'string' },
        ],
        steps: [
          {
            name: 'build-and-push',
            image: `quay.io/buildah/stable:v1.38@sha256:${sha.buildah}`,
            script:
              'buildah bud --label org.opencontainers.image.revision=$(params.COMMIT) -t $(params.IMAGE) . && buildah push --digestfile /tmp/digest $(params.IMAGE) && printf %s "$(params.IMAGE)" > $(results.IMAGE_URL.path) && cat /tmp/digest > $(results.IMAGE_DIGEST.path)',
          },
        ],
        workspaces: [{ name: 'source' }],
      },
      params: [
        { name: 'IMAGE', value: '$(params.image)' },
        { name: 'COMMIT', value: '$(tasks.clone.results.commit)' },
      ],
      workspaces: [{ name: 'source', workspace: 'source' }],
    },
  ],
  finally: [
    {
      name: 'notify',
      taskSpec: {
        params: [{ name: 'status', type: 'string' }],
        steps: [
          {
            name: 'post',
            image: `docker.io/curlimages/curl:8.11.1@sha256:${sha.curl}`,
            command: ['curl', '-fsS', '-d', 'pipeline $(params.status)', 'http://chat.example.internal/hook'],
          },
        ],
      },
      params: [{ name: 'status', value: '$(tasks.status)' }],
    },
    {
      name: 'attest',
      taskRef: bundleRef(`${ATTEST_BUNDLE}:0.1@sha256:${sha.attestBundle}`, 'tekton-attest'),
    },
  ],
  results: [
    { name: 'IMAGE_URL', type: 'string', value: '$(tasks.build.results.IMAGE_URL)' },
    { name: 'IMAGE_DIGEST', type: 'string', value: '$(tasks.build.results.IMAGE_DIGEST)' },
    { name: 'CHAINS-GIT_URL', type: 'string', value: '$(tasks.clone.results.url)' },
    { name: 'CHAINS-GIT_COMMIT', type: 'string', value: '$(tasks.clone.results.commit)' },
  ],
};

export const demoPipelineRun: PipelineRun = {
  apiVersion: 'tekton.dev/v1',
  kind: 'PipelineRun',
  metadata: {
    name: PR_NAME,
    namespace: NAMESPACE,
    uid: PR_UID,
    labels: prLabels,
    annotations: { 'example.com/triggered-by': 'push to main' },
    creationTimestamp: '2026-03-02T10:00:00Z',
  },
  spec: {
    pipelineRef: {
      resolver: 'git',
      params: [
        { name: 'url', value: 'https://github.com/example-org/pipelines.git' },
        { name: 'revision', value: sha.pipelineCommit },
        { name: 'pathInRepo', value: 'pipelines/build-and-push.yaml' },
      ],
    },
    params: [
      { name: 'repo-url', value: APP_REPO },
      { name: 'image', value: IMAGE },
    ],
    taskRunTemplate: { serviceAccountName: SERVICE_ACCOUNT },
    workspaces: [{ name: 'source', volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } }],
  },
  status: {
    conditions: [
      {
        type: 'Succeeded',
        status: 'Unknown',
        reason: 'Running',
        message: 'Tasks Completed: 4 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0',
        lastTransitionTime: '2026-03-02T10:04:41Z',
      },
    ],
    startTime: '2026-03-02T10:00:00Z',
    finallyStartTime: '2026-03-02T10:04:31Z',
    pipelineSpec,
    childReferences: ['clone', 'scan', 'build', 'notify', 'attest'].map((task) => ({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      name: `${PR_NAME}-${task}`,
      pipelineTaskName: task,
    })),
    provenance: {
      refSource: {
        uri: 'git+https://github.com/example-org/pipelines.git',
        digest: { sha1: sha.pipelineCommit },
        entryPoint: 'pipelines/build-and-push.yaml',
      },
      featureFlags,
    },
  },
};

interface TaskRunShape {
  task: string;
  uid: string;
  memberOf: 'tasks' | 'finally';
  params: { name: string; value: string }[];
  taskRef?: TaskRun['spec']['taskRef'];
  taskSpec: NonNullable<TaskRun['spec']['taskSpec']>;
  steps: { name: string; imageID: string }[];
  results: { name: string; value: string }[];
  start: string;
  end?: string;
  refSource?: { uri: string; digest: Record<string, string>; entryPoint: string };
}

function taskRun(shape: TaskRunShape): TaskRun {
  const name = `${PR_NAME}-${shape.task}`;
  const done = shape.end !== undefined;
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: shape.uid,
      labels: {
        ...prLabels,
        'app.kubernetes.io/managed-by': 'tekton-pipelines',
        'tekton.dev/memberOf': shape.memberOf,
        [LABEL_PIPELINE_RUN]: PR_NAME,
        [LABEL_PIPELINE_RUN_UID]: PR_UID,
        [LABEL_PIPELINE_TASK]: shape.task,
      },
      ownerReferences: [
        { apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', name: PR_NAME, uid: PR_UID, controller: true },
      ],
      creationTimestamp: shape.start,
    },
    spec: {
      params: shape.params,
      serviceAccountName: SERVICE_ACCOUNT,
      ...(shape.taskRef ? { taskRef: shape.taskRef } : { taskSpec: shape.taskSpec }),
      timeout: '1h0m0s',
    },
    status: {
      conditions: [
        done
          ? {
              type: 'Succeeded',
              status: 'True',
              reason: 'Succeeded',
              message: 'All Steps have completed executing',
            }
          : {
              type: 'Succeeded',
              status: 'Unknown',
              reason: 'Running',
              message: 'Not all Steps in the Task have finished executing',
            },
      ],
      podName: `${name}-pod`,
      startTime: shape.start,
      ...(done ? { completionTime: shape.end } : {}),
      steps: shape.steps.map((step) => ({
        name: step.name,
        container: `step-${step.name}`,
        imageID: step.imageID,
        ...(done
          ? {
              terminated: { exitCode: 0, reason: 'Completed', startedAt: shape.start, finishedAt: shape.end },
            }
          : {}),
      })),
      ...(shape.results.length > 0 ? { results: shape.results.map((r) => ({ ...r, type: 'string' })) } : {}),
      taskSpec: shape.taskSpec,
      provenance: { ...(shape.refSource ? { refSource: shape.refSource } : {}), featureFlags },
    },
  };
}

const buildStep = pipelineSpec.tasks![2]!.taskSpec!.steps![0]!;

export const demoTaskRuns: TaskRun[] = [
  taskRun({
    task: 'clone',
    uid: '8a0d3c2e-1f4b-4e6a-9c7d-5b2e8f1a3c40',
    memberOf: 'tasks',
    params: [
      { name: 'url', value: APP_REPO },
      { name: 'revision', value: 'main' },
    ],
    taskRef: pipelineSpec.tasks![0]!.taskRef!,
    taskSpec: {
      params: [
        { name: 'url', type: 'string' },
        { name: 'revision', type: 'string', default: '' },
        { name: 'depth', type: 'string', default: '1' },
      ],
      results: [
        { name: 'commit', type: 'string' },
        { name: 'url', type: 'string' },
      ],
      steps: [
        {
          name: 'clone',
          image: `gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init:v0.40.2@sha256:${sha.gitInit}`,
          script: `git-init -url=${APP_REPO} -revision=main -path=/workspace/output -depth=1`,
        },
      ],
    },
    steps: [
      {
        name: 'clone',
        imageID: `gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init@sha256:${sha.gitInit}`,
      },
    ],
    results: [
      { name: 'commit', value: sha.appCommit },
      { name: 'url', value: APP_REPO },
    ],
    start: '2026-03-02T10:00:02Z',
    end: '2026-03-02T10:00:19Z',
    refSource: { uri: GIT_CLONE_BUNDLE, digest: { sha256: sha.gitCloneBundle }, entryPoint: 'git-clone' },
  }),
  taskRun({
    task: 'scan',
    uid: '2c7e9f1b-6d3a-4b8e-a2f5-7e1c9d4b6a51',
    memberOf: 'tasks',
    params: [],
    taskSpec: {
      ...pipelineSpec.tasks![1]!.taskSpec!,
      steps: [
        {
          name: 'trivy-fs',
          image: `docker.io/aquasec/trivy:0.58.1@sha256:${sha.trivy}`,
          args: ['fs', '--exit-code', '1', '--severity', 'HIGH,CRITICAL', '/workspace/source'],
        },
      ],
    },
    steps: [{ name: 'trivy-fs', imageID: `docker.io/aquasec/trivy@sha256:${sha.trivy}` }],
    results: [{ name: 'summary', value: 'HIGH: 0, CRITICAL: 0' }],
    start: '2026-03-02T10:00:21Z',
    end: '2026-03-02T10:01:05Z',
  }),
  taskRun({
    task: 'build',
    uid: 'e4b1a7d9-3c6f-4a2e-8d5b-1f9c7e3a2b62',
    memberOf: 'tasks',
    params: [
      { name: 'IMAGE', value: IMAGE },
      { name: 'COMMIT', value: sha.appCommit },
    ],
    taskSpec: {
      ...pipelineSpec.tasks![2]!.taskSpec!,
      steps: [
        {
          ...buildStep,
          script: (buildStep.script as string)
            .replaceAll('$(params.COMMIT)', sha.appCommit)
            .replaceAll('$(params.IMAGE)', IMAGE)
            .replaceAll('$(results.IMAGE_URL.path)', '/tekton/results/IMAGE_URL')
            .replaceAll('$(results.IMAGE_DIGEST.path)', '/tekton/results/IMAGE_DIGEST'),
        },
      ],
    },
    steps: [{ name: 'build-and-push', imageID: `quay.io/buildah/stable@sha256:${sha.buildah}` }],
    results: [
      { name: 'IMAGE_URL', value: IMAGE },
      { name: 'IMAGE_DIGEST', value: `sha256:${sha.appImage}` },
    ],
    start: '2026-03-02T10:01:07Z',
    end: '2026-03-02T10:04:29Z',
  }),
  taskRun({
    task: 'notify',
    uid: '7f3c2a9e-5b1d-4e8f-b6a3-9d2e4c1f7a73',
    memberOf: 'finally',
    params: [{ name: 'status', value: 'Succeeded' }],
    taskSpec: {
      ...pipelineSpec.finally![0]!.taskSpec!,
      steps: [
        {
          name: 'post',
          image: `docker.io/curlimages/curl:8.11.1@sha256:${sha.curl}`,
          command: ['curl', '-fsS', '-d', 'pipeline Succeeded', 'http://chat.example.internal/hook'],
        },
      ],
    },
    steps: [{ name: 'post', imageID: `docker.io/curlimages/curl@sha256:${sha.curl}` }],
    results: [],
    start: '2026-03-02T10:04:31Z',
    end: '2026-03-02T10:04:33Z',
  }),
  taskRun({
    task: 'attest',
    uid: 'b9e6d4a1-7c3f-4d2b-9e8a-3a5f1c7d9e84',
    memberOf: 'finally',
    params: [],
    taskRef: pipelineSpec.finally![1]!.taskRef!,
    taskSpec: {
      steps: [
        {
          name: 'attest',
          image: `${ATTEST_IMAGE}:0.1.0@sha256:${sha.attest}`,
          args: ['attest'],
        },
      ],
    },
    steps: [{ name: 'attest', imageID: `${ATTEST_IMAGE}@sha256:${sha.attest}` }],
    results: [],
    start: '2026-03-02T10:04:31Z',
    refSource: { uri: ATTEST_BUNDLE, digest: { sha256: sha.attestBundle }, entryPoint: 'tekton-attest' },
  }),
];
