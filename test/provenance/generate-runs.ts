// A seeded generator of realistic finished PipelineRuns and their TaskRuns, for the Chains oracle parity test.
// Each run is written the way a controller writes it (childReferences, pipelineTask labels, resolved
// status.pipelineSpec/taskSpec, step states with image IDs, type-hinted results, provenance) and then
// re-encoded through Tekton's Go types by the oracle, so only what a cluster can store reaches the test.
// Some runs are written as older Tekton releases wrote them: tekton.dev/v1beta1 (taskResults,
// pipelineResults, step `resources`, spec.serviceAccountName), Go-style feature-flag keys, configSource.
//
// status.results is left to Tekton's own code (the oracle's pipeline-results mode, see generated-runs.ts).

type Json = Record<string, unknown>;

/** mulberry32: small, fast and reproducible from one seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  constructor(private readonly random: () => number) {}
  chance(p: number): boolean {
    return this.random() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += '0123456789abcdef'[Math.floor(this.random() * 16)];
    return out;
  }
  digest(): string {
    return `sha256:${this.hex(64)}`;
  }
}

export interface GeneratedRun {
  id: string;
  pipelineRun: Json;
  taskRuns: Json[];
  /** The run was written by an older Tekton (v1beta1 objects, Go-style feature-flag keys). */
  legacy: boolean;
  /** `spec.status: Cancelled`: Tekton wrote no status.results. */
  hardCancelled: boolean;
}

const REGISTRIES = [
  'registry.example',
  'ghcr.io/acme',
  'quay.io/team',
  'index.docker.io/library',
  'gcr.io/proj',
];
const TOOLS = ['builder', 'kaniko', 'git-init', 'golang', 'node', 'trivy', 'alpine', 'buildah'];
const GIT_URLS = [
  'https://github.com/acme/app',
  'https://github.com/acme/app.git',
  'git+https://github.com/acme/app',
  'git+https://gitlab.example/group/svc.git',
];
const RESOLVERS = ['git', 'bundles', 'cluster', 'hub'];

function time(base: number, offsetSeconds: number): string {
  return new Date(base + offsetSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function refSource(dice: Dice, resolver: string, name: string): Json {
  if (resolver === 'bundles')
    return {
      uri: `${dice.pick(REGISTRIES)}/catalog/${name}`,
      digest: { sha256: dice.hex(64) },
      entryPoint: name,
    };
  if (resolver === 'cluster')
    return {
      uri: `/apis/tekton.dev/v1/namespaces/ci/tasks/${name}@uid-${dice.hex(8)}`,
      digest: { sha256: dice.hex(64) },
    };
  return {
    uri: `git+https://github.com/acme/catalog.git`,
    digest: { sha1: dice.hex(40) },
    entryPoint: `task/${name}/${name}.yaml`,
  };
}

function featureFlags(dice: Dice, legacy: boolean): Json {
  if (legacy) {
    // Pipelines before ~0.53 had no JSON tags on FeatureFlags: Go field names. One lower-case key that
    // Tekton never defined either. Both are dropped when Tekton's struct decodes them.
    return {
      DisableAffinityAssistant: false,
      EnableAPIFields: dice.pick(['stable', 'beta', 'alpha']),
      EnableTektonOCIBundles: true,
      ResultExtractionMethod: 'termination-message',
      MaxResultSize: 4096,
      ...(dice.chance(0.5) ? { someFutureFlag: 'x' } : {}),
    };
  }
  return {
    enableAPIFields: dice.pick(['stable', 'beta', 'alpha']),
    resultExtractionMethod: 'termination-message',
    maxResultSize: 4096,
    coschedule: 'workspaces',
    disableCredsInit: dice.chance(0.3),
    awaitSidecarReadiness: true,
    enforceNonfalsifiability: dice.pick(['none', 'spire']),
    verificationNoMatchPolicy: 'ignore',
    enableProvenanceInStatus: true,
    enableStepActions: dice.chance(0.5),
    enableTektonOCIBundles: dice.chance(0.5) ? false : undefined,
    disableInlineSpec: '',
  };
}

interface TaskPlan {
  name: string;
  finally: boolean;
  /** 'ok' | 'failed' | 'skipped' (when expression false) | 'notrun' (a dependency failed). */
  outcome: 'ok' | 'failed' | 'skipped' | 'notrun';
  matrix: string[] | undefined;
  results: { name: string; value: unknown; type: string }[];
  stepResults: { step: number; name: string; value: unknown; type: string }[];
  steps: { name: string; image: string; imageRef: string; script: boolean; stepAction?: Json }[];
  sidecars: { name: string; imageRef: string }[];
  resolver: string | undefined;
  embedded: boolean;
  runAfter: string[];
  params: { name: string; value: unknown }[];
  when: Json[] | undefined;
}

function imageRef(dice: Dice, repo: string): string {
  const form = dice.int(0, 9);
  const ref = `${repo}@${dice.digest()}`;
  // Most kubelets report docker-pullable://; a few bare references; containerd sometimes repo:tag@digest.
  if (form < 6) return `docker-pullable://${ref}`;
  if (form < 9) return ref;
  return `${repo}:v1@${dice.digest()}`;
}

function typeHintedResults(dice: Dice, taskName: string): { name: string; value: unknown; type: string }[] {
  const out: { name: string; value: unknown; type: string }[] = [];
  const image = `${dice.pick(REGISTRIES)}/${taskName}-img`;
  switch (dice.int(0, 9)) {
    case 0:
    case 1:
      out.push({ name: 'IMAGE_URL', value: `${image}:latest`, type: 'string' });
      out.push({ name: 'IMAGE_DIGEST', value: dice.digest(), type: 'string' });
      break;
    case 2:
      out.push({ name: 'APP_IMAGE_URL', value: image, type: 'string' });
      out.push({ name: 'APP_IMAGE_DIGEST', value: `${dice.digest()}\n`, type: 'string' });
      break;
    case 3:
      out.push({
        name: 'IMAGES',
        value: `${image}@${dice.digest()},\n${image}-debug@${dice.digest()}`,
        type: 'string',
      });
      break;
    case 4:
      out.push({ name: 'BIN_ARTIFACT_URI', value: `https://files.example/${taskName}.tgz`, type: 'string' });
      out.push({ name: 'BIN_ARTIFACT_DIGEST', value: `sha512:${dice.hex(128)}`, type: 'string' });
      break;
    case 5:
      out.push({
        name: 'IMG_ARTIFACT_OUTPUTS',
        value: { uri: image, digest: dice.digest(), isBuildArtifact: dice.pick(['true', 'false']) },
        type: 'object',
      });
      break;
    case 6:
      out.push({
        name: 'SRC_ARTIFACT_INPUTS',
        value: { uri: `https://github.com/acme/${taskName}`, digest: `sha1:${dice.hex(40)}` },
        type: 'object',
      });
      break;
    case 7:
      out.push({ name: 'CHAINS-GIT_URL', value: dice.pick(GIT_URLS), type: 'string' });
      out.push({ name: 'CHAINS-GIT_COMMIT', value: dice.hex(40), type: 'string' });
      break;
    default:
      break;
  }
  if (dice.chance(0.4)) out.push({ name: 'summary', value: `done ${taskName}`, type: 'string' });
  if (dice.chance(0.2)) out.push({ name: 'tags', value: ['a', 'b'], type: 'array' });
  if (dice.chance(0.1)) out.push({ name: 'IMAGE_DIGEST', value: `md5:${dice.hex(32)}`, type: 'string' });
  // A result name can appear once per TaskRun only.
  return out.filter((result, index) => out.findIndex((r) => r.name === result.name) === index);
}

function planTasks(dice: Dice, count: number, finallyCount: number, cancelled: boolean): TaskPlan[] {
  const plans: TaskPlan[] = [];
  let failedSoFar = false;
  for (let i = 0; i < count + finallyCount; i++) {
    const isFinally = i >= count;
    const name = isFinally
      ? `cleanup-${i - count}`
      : `${dice.pick(['clone', 'build', 'test', 'scan', 'push'])}-${i}`;
    const previous = plans.filter((p) => !p.finally);
    const runAfter = !isFinally && previous.length > 0 && dice.chance(0.6) ? [dice.pick(previous).name] : [];
    const params: { name: string; value: unknown }[] = [
      { name: 'verbose', value: dice.pick(['true', 'false']) },
    ];
    const producer = previous.find((p) => p.results.some((r) => r.type === 'string'));
    if (producer && dice.chance(0.4)) {
      const result = producer.results.find((r) => r.type === 'string');
      params.push({ name: 'input', value: `$(tasks.${producer.name}.results.${result?.name})` });
    }
    let outcome: TaskPlan['outcome'] = 'ok';
    let when: Json[] | undefined;
    if (!isFinally && dice.chance(0.12)) {
      outcome = 'skipped';
      when = [{ input: 'main', operator: 'in', values: ['release'] }];
    } else if (!isFinally && failedSoFar && runAfter.length > 0) {
      outcome = 'notrun';
    } else if (dice.chance(0.1)) {
      outcome = 'failed';
      if (!isFinally) failedSoFar = true;
    }
    if (cancelled && isFinally) outcome = 'notrun';
    const stepCount = dice.int(1, 4);
    const steps: TaskPlan['steps'] = [];
    for (let s = 0; s < stepCount; s++) {
      const repo = `${dice.pick(REGISTRIES)}/${dice.pick(TOOLS)}`;
      const step: TaskPlan['steps'][number] = {
        name: dice.chance(0.1) && s === 0 ? '' : `step-${s}`,
        image: `${repo}:1.${s}`,
        imageRef: imageRef(dice, repo),
        script: dice.chance(0.6),
      };
      if (dice.chance(0.15)) step.stepAction = refSource(dice, dice.pick(['git', 'bundles']), `action-${s}`);
      steps.push(step);
    }
    const stepResults: TaskPlan['stepResults'] = [];
    if (dice.chance(0.25)) {
      const step = dice.int(0, stepCount - 1);
      stepResults.push({ step, name: 'CHAINS-GIT_URL', value: dice.pick(GIT_URLS), type: 'string' });
      stepResults.push({ step, name: 'CHAINS-GIT_COMMIT', value: dice.hex(40), type: 'string' });
    }
    if (dice.chance(0.2)) {
      stepResults.push({
        step: dice.int(0, stepCount - 1),
        name: 'OUT_ARTIFACT_OUTPUTS',
        value: { uri: `${dice.pick(REGISTRIES)}/step-out`, digest: dice.digest(), isBuildArtifact: 'true' },
        type: 'object',
      });
    }
    const sidecars = dice.chance(0.15)
      ? [{ name: 'dind', imageRef: imageRef(dice, `${dice.pick(REGISTRIES)}/dind`) }]
      : [];
    const embedded = dice.chance(0.3);
    plans.push({
      name,
      finally: isFinally,
      outcome,
      matrix: !isFinally && dice.chance(0.1) ? ['amd64', 'arm64'] : undefined,
      results: typeHintedResults(dice, name),
      stepResults,
      steps,
      sidecars,
      resolver: embedded ? undefined : dice.chance(0.5) ? dice.pick(RESOLVERS) : undefined,
      embedded,
      runAfter,
      params,
      when,
    });
  }
  return plans;
}

function resultSpecs(plan: TaskPlan): Json[] {
  return plan.results.map((r) => ({ name: r.name, type: r.type }));
}

function pipelineTaskOf(plan: TaskPlan, dice: Dice): Json {
  const task: Json = { name: plan.name };
  if (plan.embedded) {
    task.taskSpec = {
      params: [{ name: 'verbose', type: 'string', default: 'false' }],
      steps: plan.steps.map((step) => ({ name: step.name || undefined, image: step.image, script: 'make' })),
      results: resultSpecs(plan),
    };
  } else if (plan.resolver) {
    task.taskRef = {
      resolver: plan.resolver,
      params: [
        { name: 'name', value: plan.name },
        { name: 'kind', value: 'task' },
      ],
    };
  } else {
    task.taskRef = { name: plan.name, kind: 'Task' };
  }
  if (plan.runAfter.length > 0) task.runAfter = plan.runAfter;
  task.params = plan.params.filter((p) => p.name !== 'arch');
  if (plan.when) task.when = plan.when;
  if (plan.matrix) task.matrix = { params: [{ name: 'arch', value: plan.matrix }] };
  if (dice.chance(0.1)) task.retries = 1;
  return task;
}

function stepSpec(step: TaskPlan['steps'][number], legacy: boolean, dice: Dice): Json {
  const spec: Json = { image: step.image };
  if (step.name) spec.name = step.name;
  if (step.script) spec.script = '#!/bin/sh\nset -e\nmake build\n';
  else {
    spec.command = ['/bin/sh', '-c'];
    spec.args = ['make', 'test'];
  }
  if (dice.chance(0.4)) {
    const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } };
    if (legacy) spec.resources = resources;
    else spec.computeResources = resources;
  } else {
    spec[legacy ? 'resources' : 'computeResources'] = {};
  }
  if (dice.chance(0.2)) spec.env = [{ name: 'HOME', value: '/tekton/home' }];
  return spec;
}

interface RunContext {
  dice: Dice;
  base: number;
  prName: string;
  prUid: string;
  prLabels: Record<string, string>;
  legacy: boolean;
  flags: Json;
}

function taskRunsOf(plan: TaskPlan, ctx: RunContext, order: number): Json[] {
  if (plan.outcome === 'skipped' || plan.outcome === 'notrun') return [];
  const { dice } = ctx;
  const apiVersion = ctx.legacy ? 'tekton.dev/v1beta1' : 'tekton.dev/v1';
  const variants = plan.matrix ?? [undefined];
  return variants.map((arch, index) => {
    const name = plan.matrix ? `${ctx.prName}-${plan.name}-${index}` : `${ctx.prName}-${plan.name}`;
    const start = order * 60 + 5;
    const end = start + dice.int(10, 50);
    const failed = plan.outcome === 'failed';
    const params = [...plan.params.map((p) => ({ ...p }))];
    if (arch) params.push({ name: 'arch', value: arch });
    // A reference to another task's result was substituted before the TaskRun was created.
    for (const param of params) {
      if (typeof param.value === 'string' && param.value.startsWith('$('))
        param.value = `value-${dice.hex(6)}`;
    }
    const stepStates = plan.steps.map((step, s) => {
      const terminated: Json = {
        exitCode: failed && s === plan.steps.length - 1 ? 1 : 0,
        reason: failed && s === plan.steps.length - 1 ? 'Error' : 'Completed',
        startedAt: time(ctx.base, start + s),
        finishedAt: time(ctx.base, start + s + 1),
        containerID: `containerd://${dice.hex(64)}`,
      };
      const state: Json = {
        name: step.name || `unnamed-${s}`,
        container: `step-${step.name || `unnamed-${s}`}`,
        imageID: step.imageRef,
        terminated,
      };
      if (!ctx.legacy) state.terminationReason = terminated.reason;
      const results = plan.stepResults.filter((r) => r.step === s);
      if (results.length > 0)
        state.results = results.map((r) => ({ name: r.name, type: r.type, value: r.value }));
      if (step.stepAction) state.provenance = { refSource: step.stepAction };
      return state;
    });
    const results = failed ? plan.results.slice(0, 1) : plan.results;
    const taskSpec: Json = {
      params: [
        { name: 'verbose', type: 'string', default: 'false' },
        ...(arch ? [{ name: 'arch', type: 'string' }] : []),
        ...(dice.chance(0.3)
          ? [{ name: 'CHAINS-GIT_URL', type: 'string', default: dice.pick(GIT_URLS) }]
          : []),
      ],
      steps: plan.steps.map((step) => stepSpec(step, ctx.legacy, dice)),
      results: resultSpecs(plan),
    };
    if (plan.sidecars.length > 0)
      taskSpec.sidecars = plan.sidecars.map((s) => ({ name: s.name, image: 'dind:1' }));
    const status: Json = {
      conditions: [
        {
          type: 'Succeeded',
          status: failed ? 'False' : 'True',
          reason: failed ? 'Failed' : 'Succeeded',
          message: failed ? '"step-x" exited with code 1' : 'All Steps have completed executing',
          lastTransitionTime: time(ctx.base, end),
        },
      ],
      podName: `${name}-pod`,
      startTime: time(ctx.base, start),
      completionTime: time(ctx.base, end),
      steps: stepStates,
      taskSpec,
      provenance: {
        featureFlags: ctx.flags,
        ...(plan.resolver && plan.resolver !== 'hub'
          ? {
              [ctx.legacy && dice.chance(0.5) ? 'configSource' : 'refSource']: refSource(
                dice,
                plan.resolver,
                plan.name,
              ),
            }
          : {}),
      },
    };
    if (plan.sidecars.length > 0) {
      status.sidecars = plan.sidecars.map((s) => ({
        name: s.name,
        container: `sidecar-${s.name}`,
        imageID: s.imageRef,
      }));
    }
    if (results.length > 0) {
      status[ctx.legacy ? 'taskResults' : 'results'] = results.map((r) => ({
        name: r.name,
        type: r.type,
        value: r.value,
      }));
    }
    const spec: Json = {
      params,
      serviceAccountName: 'pipeline',
      timeout: '1h0m0s',
    };
    if (plan.embedded) spec.taskSpec = { steps: taskSpec.steps };
    else if (plan.resolver)
      spec.taskRef = { resolver: plan.resolver, params: [{ name: 'name', value: plan.name }] };
    else spec.taskRef = { name: plan.name, kind: 'Task' };
    const labels: Record<string, string> = {
      ...ctx.prLabels,
      'app.kubernetes.io/managed-by': 'tekton-pipelines',
      'tekton.dev/pipelineRun': ctx.prName,
      'tekton.dev/pipelineRunUID': ctx.prUid,
      'tekton.dev/pipelineTask': plan.name,
      'tekton.dev/memberOf': plan.finally ? 'finally' : 'tasks',
    };
    if (!plan.embedded && !plan.resolver) labels['tekton.dev/task'] = plan.name;
    return {
      apiVersion,
      kind: 'TaskRun',
      metadata: {
        name,
        namespace: 'ci',
        uid: `${ctx.prUid}-${plan.name}-${index}`,
        generation: 1,
        creationTimestamp: time(ctx.base, start - 1),
        labels,
        annotations: { 'pipeline.tekton.dev/release': 'v1.15.0', 'chains.tekton.dev/signed': 'true' },
        ownerReferences: [
          {
            apiVersion,
            kind: 'PipelineRun',
            name: ctx.prName,
            uid: ctx.prUid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec,
      status,
    };
  });
}

export function generateRun(seed: number): GeneratedRun {
  const dice = new Dice(seededRandom(seed));
  const legacy = dice.chance(0.3);
  const base = Date.UTC(2026, dice.int(0, 11), dice.int(1, 28), dice.int(0, 23), dice.int(0, 59));
  const prName = `app-${seed}-${dice.hex(5)}`;
  const prUid = `${dice.hex(8)}-${dice.hex(4)}-${dice.hex(4)}-${dice.hex(4)}-${dice.hex(12)}`;
  const ending = dice.pick([
    'Succeeded',
    'Succeeded',
    'Succeeded',
    'Failed',
    'Cancelled',
    'StoppedRunFinally',
  ]);
  const plans = planTasks(dice, dice.int(1, 6), dice.int(0, 2), ending === 'Cancelled');
  const prLabels: Record<string, string> = { 'tekton.dev/pipeline': 'build-and-push' };
  if (dice.chance(0.3)) prLabels['chains.tekton.dev/reproducible'] = dice.pick(['true', 'false']);
  if (dice.chance(0.5)) prLabels['app.kubernetes.io/part-of'] = 'shop';
  const ctx: RunContext = { dice, base, prName, prUid, prLabels, legacy, flags: featureFlags(dice, legacy) };

  const taskRuns: Json[] = [];
  const childReferences: Json[] = [];
  plans.forEach((plan, order) => {
    for (const run of taskRunsOf(plan, ctx, order)) {
      taskRuns.push(run);
      childReferences.push({
        apiVersion: run.apiVersion,
        kind: 'TaskRun',
        name: (run.metadata as Json).name,
        pipelineTaskName: plan.name,
      });
    }
  });
  const dag = plans.filter((p) => !p.finally);
  const pipelineResults: Json[] = [];
  for (const plan of dag) {
    if (plan.matrix) continue;
    for (const result of plan.results) {
      const suffix = result.type === 'string' ? '' : '[*]';
      pipelineResults.push({
        // Often the bare result name, so type hints (IMAGE_URL, ...) reach the pipeline level too.
        name: dice.chance(0.5) ? result.name : `${plan.name}-${result.name}`,
        type: result.type,
        value: `$(tasks.${plan.name}.results.${result.name}${suffix})`,
      });
    }
  }
  const uniqueResults = pipelineResults.filter(
    (r, i) => pipelineResults.findIndex((o) => o.name === r.name) === i,
  );
  const pipelineSpec: Json = {
    params: [
      { name: 'git-revision', type: 'string', default: 'main' },
      ...(dice.chance(0.3) ? [{ name: 'CHAINS-GIT_URL', type: 'string', default: dice.pick(GIT_URLS) }] : []),
    ],
    workspaces: [{ name: 'source' }],
    tasks: dag.map((plan) => pipelineTaskOf(plan, dice)),
    ...(plans.some((p) => p.finally)
      ? { finally: plans.filter((p) => p.finally).map((plan) => pipelineTaskOf(plan, dice)) }
      : {}),
    ...(uniqueResults.length > 0 ? { results: uniqueResults } : {}),
  };
  const end = plans.length * 60 + 30;
  const conditionFor: Record<string, Json> = {
    Succeeded: {
      status: 'True',
      reason: 'Succeeded',
      message: 'Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0',
    },
    Failed: {
      status: 'False',
      reason: 'Failed',
      message: 'Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 0',
    },
    Cancelled: { status: 'False', reason: 'Cancelled', message: `PipelineRun "${prName}" was cancelled` },
    StoppedRunFinally: {
      status: 'False',
      reason: 'Failed',
      message: 'Tasks Completed: 2 (Failed: 0, Cancelled 1)',
    },
  };
  const anyFailed = plans.some((p) => p.outcome === 'failed');
  const condition = { ...(conditionFor[anyFailed && ending === 'Succeeded' ? 'Failed' : ending] as Json) };
  const resolver = dice.chance(0.4) ? dice.pick(['git', 'bundles', 'cluster']) : undefined;
  const spec: Json = {
    params: [
      { name: 'git-revision', value: dice.hex(40) },
      ...(dice.chance(0.3) ? [{ name: 'CHAINS-GIT_COMMIT', value: dice.hex(40) }] : []),
      ...(dice.chance(0.2) ? [{ name: 'CHAINS-GIT_URL', value: dice.pick(GIT_URLS) }] : []),
      ...(dice.chance(0.2) ? [{ name: 'platforms', value: ['linux/amd64', 'linux/arm64'] }] : []),
    ],
    workspaces: [
      dice.chance(0.5)
        ? {
            name: 'source',
            volumeClaimTemplate: {
              metadata: dice.chance(0.5)
                ? { creationTimestamp: null }
                : { name: 'src', creationTimestamp: null },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
              status: {},
            },
          }
        : { name: 'source', emptyDir: {} },
    ],
  };
  if (resolver) {
    spec.pipelineRef = {
      resolver,
      params: [
        { name: 'name', value: 'build-and-push' },
        { name: 'kind', value: 'pipeline' },
      ],
    };
  } else {
    spec.pipelineRef = { name: 'build-and-push' };
  }
  if (ending === 'Cancelled') spec.status = 'Cancelled';
  if (ending === 'StoppedRunFinally') spec.status = 'StoppedRunFinally';
  if (legacy) {
    spec.serviceAccountName = 'pipeline';
    spec.timeout = '1h0m0s';
    if (dice.chance(0.5)) spec.podTemplate = { securityContext: { runAsNonRoot: true } };
  } else {
    spec.taskRunTemplate = { serviceAccountName: 'pipeline' };
    spec.timeouts = { pipeline: '1h0m0s' };
  }
  const status: Json = {
    conditions: [{ type: 'Succeeded', lastTransitionTime: time(base, end), ...condition }],
    startTime: time(base, 0),
    completionTime: time(base, end),
    pipelineSpec,
    childReferences,
    provenance: {
      featureFlags: ctx.flags,
      ...(resolver
        ? { [legacy ? 'configSource' : 'refSource']: refSource(dice, resolver, 'build-and-push') }
        : {}),
    },
  };
  if (plans.some((p) => p.finally) && ending !== 'Cancelled') status.finallyStartTime = time(base, end - 40);
  const skipped = plans.filter((p) => p.outcome === 'skipped' || p.outcome === 'notrun');
  if (skipped.length > 0) {
    status.skippedTasks = skipped.map((p) => ({
      name: p.name,
      reason: p.outcome === 'skipped' ? 'When Expressions evaluated to false' : 'Parent Tasks were skipped',
      ...(p.when ? { whenExpressions: p.when } : {}),
    }));
  }
  const annotations: Record<string, string> = {
    'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"tekton.dev/v1"}',
    'chains.tekton.dev/signed': 'true',
  };
  if (dice.chance(0.5)) annotations['acme.example/team'] = 'shop';
  const pipelineRun: Json = {
    apiVersion: legacy ? 'tekton.dev/v1beta1' : 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      name: prName,
      namespace: 'ci',
      uid: prUid,
      generation: 1,
      creationTimestamp: time(base, -1),
      labels: prLabels,
      annotations,
    },
    spec,
    status,
  };
  return { id: `seed-${seed}`, pipelineRun, taskRuns, legacy, hardCancelled: ending === 'Cancelled' };
}
