// The catlin rules (tektoncd/catlin pkg/validator) that can be checked offline, as errors: what catlin reports
// as errors, plus its warnings and recommendations that the catalog's own review asks for (digest-pinned,
// fully qualified images with a version tag, params out of scripts, secrets out of env).

/** tektoncd/hub config.yaml: the categories catlin accepts. */
export const HUB_CATEGORIES = [
  'Automation',
  'Build Tools',
  'CLI',
  'Cloud',
  'Code Quality',
  'Continuous Integration',
  'Deployment',
  'Developer Tools',
  'Image Build',
  'Integration & Delivery',
  'Git',
  'Kubernetes',
  'Messaging',
  'Monitoring',
  'Networking',
  'Openshift',
  'Publishing',
  'Security',
  'Storage',
  'Testing',
];

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** Metadata rules for a catalog resource (ContentValidator) and, given its path, the path rule. */
export function catalogMetadataProblems(resource: Json, path?: string): string[] {
  const problems: string[] = [];
  const metadata = isRecord(resource.metadata) ? resource.metadata : {};
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  const annotations = (isRecord(metadata.annotations) ? metadata.annotations : {}) as Record<string, string>;
  const version = labels['app.kubernetes.io/version'];
  if (typeof version !== 'string') problems.push('missing label app.kubernetes.io/version');
  for (const key of ['tekton.dev/pipelines.minVersion', 'tekton.dev/categories', 'tekton.dev/displayName']) {
    if (!annotations[key]) problems.push(`missing annotation ${key}`);
  }
  for (const category of (annotations['tekton.dev/categories'] ?? '').split(',')) {
    if (!HUB_CATEGORIES.includes(category.trim()))
      problems.push(`category "${category.trim()}" is not a hub category`);
  }
  if (split(annotations['tekton.dev/tags']).length === 0) problems.push('no tekton.dev/tags');
  const platforms = split(annotations['tekton.dev/platforms']);
  if (platforms.length === 0) problems.push('no tekton.dev/platforms');
  for (const platform of platforms) {
    if (!/^[a-z0-9]+\/[a-z0-9]+$/.test(platform)) problems.push(`platform ${platform} is not OS/ARCH`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(annotations['tekton.dev/pipelines.minVersion'] ?? '')) {
    problems.push('tekton.dev/pipelines.minVersion is not X.Y.Z');
  }
  const spec = isRecord(resource.spec) ? resource.spec : {};
  if (typeof spec.description !== 'string' || spec.description.trim() === '')
    problems.push('no spec.description');
  if (path !== undefined) {
    const name = String(metadata.name);
    const expected = `${String(resource.kind).toLowerCase()}/${name}/${String(version)}/${name}.yaml`;
    if (!path.endsWith(expected)) problems.push(`path ${path} does not end with ${expected}`);
  }
  return problems;
}

/** Step rules (TaskValidator) for every step of a Task, and of the taskSpecs embedded in Pipelines and runs. */
export function stepProblems(resource: Json): string[] {
  const problems: string[] = [];
  for (const { where, step } of stepsOf(resource)) problems.push(...oneStep(where, step));
  return problems;
}

function oneStep(where: string, step: Json): string[] {
  const problems: string[] = [];
  const image = String(step.image ?? '');
  if (/\$\(/.test(image)) return [`${where}: image ${image} uses variables`];
  const [repository = '', digest] = image.split('@');
  if (!repository.includes('/') || !repository.split('/')[0]?.includes('.')) {
    problems.push(`${where}: image ${image} is not fully qualified (registry host first)`);
  }
  if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest))
    problems.push(`${where}: image ${image} is not pinned by digest`);
  const lastSegment = repository.split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  if (!tag) problems.push(`${where}: image ${image} has no version tag next to its digest`);
  if (tag?.toLowerCase() === 'latest') problems.push(`${where}: image ${image} is tagged latest`);
  for (const env of asArray(step.env)) {
    const from = isRecord(env.valueFrom) ? env.valueFrom : {};
    if (from.secretKeyRef) problems.push(`${where}: env ${String(env.name)} comes from a Secret`);
  }
  for (const envFrom of asArray(step.envFrom)) {
    if (envFrom.secretRef) problems.push(`${where}: envFrom a Secret`);
  }
  if (
    typeof step.script === 'string' &&
    /\$\(params\.[_a-zA-Z][_a-zA-Z0-9.-]*(\[\*\])?\)/.test(step.script)
  ) {
    problems.push(`${where}: script interpolates a param`);
  }
  return problems;
}

function stepsOf(resource: Json): { where: string; step: Json }[] {
  const found: { where: string; step: Json }[] = [];
  const kind = String(resource.kind);
  const name = isRecord(resource.metadata)
    ? String(resource.metadata.name ?? resource.metadata.generateName)
    : '?';
  const fromTaskSpec = (taskSpec: unknown, prefix: string) => {
    if (!isRecord(taskSpec)) return;
    for (const step of asArray(taskSpec.steps))
      found.push({ where: `${prefix} step ${String(step.name)}`, step });
    for (const sidecar of asArray(taskSpec.sidecars))
      found.push({ where: `${prefix} sidecar ${String(sidecar.name)}`, step: sidecar });
  };
  const fromPipelineSpec = (pipelineSpec: unknown, prefix: string) => {
    if (!isRecord(pipelineSpec)) return;
    for (const pt of [...asArray(pipelineSpec.tasks), ...asArray(pipelineSpec.finally)]) {
      fromTaskSpec(pt.taskSpec, `${prefix} task ${String(pt.name)}`);
    }
  };
  const spec = isRecord(resource.spec) ? resource.spec : {};
  if (kind === 'Task') fromTaskSpec(spec, `Task ${name}`);
  if (kind === 'TaskRun') fromTaskSpec(spec.taskSpec, `TaskRun ${name}`);
  if (kind === 'Pipeline') fromPipelineSpec(spec, `Pipeline ${name}`);
  if (kind === 'PipelineRun') fromPipelineSpec(spec.pipelineSpec, `PipelineRun ${name}`);
  return found;
}

function split(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}
