/**
 * The tasks of an attested run, read from a verified SLSA provenance statement: v0.2 `buildConfig.tasks`, and
 * v1.0 `resolvedDependencies` (`pipelineTask` entries: with the slsa-tekton build type each carries its
 * TaskRun; with chains/v2/slsa only the task's source, and a Task from the cluster leaves no entry at all).
 * Like the rest of verify/, it declares the shapes it reads itself instead of importing the writers'.
 */

const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
const SLSA_V1 = 'https://slsa.dev/provenance/v1';
const BUILD_TYPE_SLSA_TEKTON = 'https://tekton.dev/chains/v2/slsa-tekton';
const PIPELINE_TASK_DEPENDENCY = 'pipelineTask';
const PIPELINE_TASK_LABEL = 'tekton.dev/pipelineTask';

/** Where a task's definition came from. `name` is its reference name (the Task's own name), when recorded. */
export type TaskReference =
  | { kind: 'bundle'; repository: string; digest: string | undefined; name: string | undefined }
  | {
      kind: 'git';
      url: string;
      path: string | undefined;
      commit: string | undefined;
      name: string | undefined;
    }
  | { kind: 'cluster'; name: string }
  | { kind: 'other'; name: string | undefined; description: string };

export interface RunTask {
  /** The pipeline task's name; for chains/v2/slsa (which records none) the source URI. */
  name: string;
  reference: TaskReference;
  after: string[];
  startedOn: string | undefined;
  finishedOn: string | undefined;
  /** Images the task says it built (`*IMAGE_URL`/`*IMAGE_DIGEST` and `*ARTIFACT_OUTPUTS` results). */
  images: string[];
}

export interface AttestedRun {
  predicateType: string;
  buildType: string | undefined;
  builderId: string | undefined;
  tasks: RunTask[];
  /** False when the format cannot list every task (chains/v2/slsa leaves out Tasks from the cluster). */
  complete: boolean;
}

/** The run a provenance statement describes; undefined for other predicate types. */
export function attestedRun(statement: {
  predicateType: string;
  predicate?: unknown;
}): AttestedRun | undefined {
  const predicate = asRecord(statement.predicate);
  if (statement.predicateType === SLSA_V02) {
    const tasks = Array.isArray(asRecord(predicate.buildConfig).tasks)
      ? (asRecord(predicate.buildConfig).tasks as unknown[])
      : [];
    return {
      predicateType: statement.predicateType,
      buildType: text(predicate.buildType),
      builderId: text(asRecord(predicate.builder).id),
      tasks: ordered(tasks.map((task) => taskFromBuildConfig(asRecord(task)))),
      complete: true,
    };
  }
  if (statement.predicateType === SLSA_V1) {
    const definition = asRecord(predicate.buildDefinition);
    const buildType = text(definition.buildType);
    const dependencies = Array.isArray(definition.resolvedDependencies)
      ? definition.resolvedDependencies
      : [];
    const taskEntries = dependencies.map(asRecord).filter((d) => d.name === PIPELINE_TASK_DEPENDENCY);
    const withRuns = buildType === BUILD_TYPE_SLSA_TEKTON;
    return {
      predicateType: statement.predicateType,
      buildType,
      builderId: text(asRecord(asRecord(predicate.runDetails).builder).id),
      tasks: ordered(taskEntries.map((entry) => (withRuns ? taskFromTaskRun(entry) : taskFromSource(entry)))),
      complete: withRuns,
    };
  }
  return undefined;
}

function taskFromBuildConfig(task: Record<string, unknown>): RunTask {
  const results = Array.isArray(task.results) ? task.results.map(asRecord) : [];
  return {
    name: text(task.name) ?? '(unnamed)',
    reference: reference(asRecord(task.ref), asRecord(asRecord(task.invocation).configSource)),
    after: Array.isArray(task.after) ? task.after.map(String) : [],
    startedOn: text(task.startedOn),
    finishedOn: text(task.finishedOn),
    images: imagesOf(results),
  };
}

/** slsa-tekton: the entry's `content` is the TaskRun (base64 JSON); its source is the entry's uri/digest. */
function taskFromTaskRun(entry: Record<string, unknown>): RunTask {
  let taskRun: Record<string, unknown> = {};
  try {
    taskRun = asRecord(JSON.parse(Buffer.from(text(entry.content) ?? '', 'base64').toString('utf8')));
  } catch {
    // An unreadable TaskRun leaves only the source, as chains/v2/slsa would.
  }
  const metadata = asRecord(taskRun.metadata);
  const status = asRecord(taskRun.status);
  const spec = asRecord(taskRun.spec);
  const results = Array.isArray(status.results) ? status.results.map(asRecord) : [];
  const source = { uri: entry.uri, digest: entry.digest };
  return {
    name: text(asRecord(metadata.labels)[PIPELINE_TASK_LABEL]) ?? text(metadata.name) ?? sourceName(entry),
    reference: reference(
      asRecord(spec.taskRef),
      text(entry.uri) ? source : asRecord(status.provenance).refSource,
    ),
    after: [],
    startedOn: text(status.startTime),
    finishedOn: text(status.completionTime),
    images: imagesOf(results),
  };
}

/** chains/v2/slsa: only the source (uri and digest) of a task resolved remotely. */
function taskFromSource(entry: Record<string, unknown>): RunTask {
  return {
    name: sourceName(entry),
    reference: reference({}, entry),
    after: [],
    startedOn: undefined,
    finishedOn: undefined,
    images: [],
  };
}

function sourceName(entry: Record<string, unknown>): string {
  return text(entry.uri) ?? '(no source)';
}

/** A task reference from its `ref`/`taskRef` and the resolved source (refSource / configSource). */
function reference(ref: Record<string, unknown>, source: unknown): TaskReference {
  const resolved = asRecord(source);
  const params = new Map(
    (Array.isArray(ref.params) ? ref.params.map(asRecord) : []).map((p) => [text(p.name), text(p.value)]),
  );
  const uri = text(resolved.uri);
  const digest = asRecord(resolved.digest);
  const resolver = text(ref.resolver);
  if (resolver === 'git' || uri?.startsWith('git+')) {
    const path = params.get('pathInRepo') ?? text(resolved.entryPoint);
    return {
      kind: 'git',
      url: uri ?? params.get('url') ?? params.get('repo') ?? '(unknown)',
      path,
      commit: text(digest.sha1) ?? params.get('revision'),
      name: path ? path.replace(/^.*\//, '').replace(/\.ya?ml$/, '') : undefined,
    };
  }
  const bundle =
    resolver === 'bundles'
      ? params.get('bundle')
      : (text(ref.bundle) ?? (uri && !ref.name ? uri : undefined));
  if (bundle !== undefined || resolver === 'bundles') {
    const image = (bundle ?? uri ?? '(unknown)').replace(/^oci:\/\//, '');
    const pinned = /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1];
    const resolvedDigest = text(digest.sha256);
    return {
      kind: 'bundle',
      repository: image.replace(/@.*$/, '').replace(/:[^/:]*$/, ''),
      digest: resolvedDigest ? `sha256:${resolvedDigest.replace(/^sha256:/, '')}` : pinned,
      name: params.get('name') ?? text(ref.name) ?? text(resolved.entryPoint),
    };
  }
  const name = text(ref.name);
  if (name && !resolver) return { kind: 'cluster', name };
  return {
    kind: 'other',
    name: params.get('name') ?? name,
    description: resolver ? `resolver ${resolver}` : 'an inline taskSpec',
  };
}

/** `*IMAGE_URL` + `*IMAGE_DIGEST` pairs and `*ARTIFACT_OUTPUTS` objects, as `url@digest`. */
function imagesOf(results: Record<string, unknown>[]): string[] {
  const values = new Map(results.map((r) => [text(r.name) ?? '', r.value]));
  const images: string[] = [];
  for (const [name, value] of values) {
    if (name.endsWith('IMAGE_URL')) {
      const digest = text(values.get(`${name.slice(0, -'URL'.length)}DIGEST`));
      const url = text(value);
      if (url && digest) images.push(`${url.replace(/:[^/:]*$/, '')}@${digest}`);
    } else if (name.endsWith('ARTIFACT_OUTPUTS')) {
      const output = asRecord(value);
      if (text(output.uri) && text(output.digest)) images.push(`${text(output.uri)}@${text(output.digest)}`);
    }
  }
  return images;
}

/** Execution order: by start time (stable, so recorded order breaks ties and unrecorded times keep theirs). */
function ordered(tasks: RunTask[]): RunTask[] {
  return tasks
    .map((task, i) => ({ task, i }))
    .sort((a, b) => (a.task.startedOn ?? '').localeCompare(b.task.startedOn ?? '') || a.i - b.i)
    .map(({ task }) => task);
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
