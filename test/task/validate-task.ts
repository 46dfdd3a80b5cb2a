// The parts of Tekton's Task validation (tektoncd/pipeline pkg/apis/pipeline/v1 task_validation.go) that a
// Task file can get wrong by hand: shape, names, and every $(...) reference resolving to a declaration.
// Returns the problems found, empty when the Task is valid as far as these rules go.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PARAM_NAME = /^[a-zA-Z_][a-zA-Z0-9_.-]*$/;
const RESULT_NAME = /^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const VARIABLE = /\$\(([^)]+)\)/g;
const CONTEXT_VARIABLES = new Set([
  'context.taskRun.name',
  'context.taskRun.namespace',
  'context.taskRun.uid',
  'context.task.name',
  'context.task.retry-count',
]);
const PARAM_TYPES = new Set(['string', 'array', 'object']);

type Json = Record<string, unknown>;

const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null;

export function taskProblems(task: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(task)) return ['not an object'];
  if (task.apiVersion !== 'tekton.dev/v1')
    problems.push(`apiVersion is ${String(task.apiVersion)}, not tekton.dev/v1`);
  if (task.kind !== 'Task') problems.push(`kind is ${String(task.kind)}, not Task`);
  const name = isRecord(task.metadata) ? task.metadata.name : undefined;
  if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > 63) {
    problems.push(`metadata.name ${String(name)} is not a DNS-1123 label`);
  }
  const spec = isRecord(task.spec) ? task.spec : {};

  const params = asArray(spec.params);
  const paramNames = unique(params, 'params', problems);
  for (const p of params) {
    if (!PARAM_NAME.test(String(p.name))) problems.push(`param ${String(p.name)}: invalid name`);
    const type = p.type ?? 'string';
    if (!PARAM_TYPES.has(String(type)))
      problems.push(`param ${String(p.name)}: unknown type ${String(type)}`);
    if (p.default !== undefined && type === 'string' && typeof p.default !== 'string') {
      problems.push(`param ${String(p.name)}: a string param needs a string default`);
    }
  }
  const results = asArray(spec.results);
  const resultNames = unique(results, 'results', problems);
  for (const r of results) {
    if (!RESULT_NAME.test(String(r.name))) problems.push(`result ${String(r.name)}: invalid name`);
  }
  const workspaces = asArray(spec.workspaces);
  const workspaceNames = unique(workspaces, 'workspaces', problems);
  for (const w of workspaces) {
    if (w.mountPath !== undefined && !String(w.mountPath).startsWith('/')) {
      problems.push(`workspace ${String(w.name)}: mountPath must be absolute here`);
    }
  }
  const volumeNames = unique(asArray(spec.volumes), 'volumes', problems);

  const steps = asArray(spec.steps);
  if (steps.length === 0) problems.push('spec.steps is empty');
  unique(steps, 'steps', problems);
  for (const step of steps) {
    const where = `step ${String(step.name)}`;
    if (!DNS_LABEL.test(String(step.name))) problems.push(`${where}: name is not a DNS-1123 label`);
    if (typeof step.image !== 'string' || step.image === '') problems.push(`${where}: no image`);
    for (const key of ['command', 'args'] as const) {
      const value = step[key];
      if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) {
        problems.push(`${where}: ${key} must be a list of strings`);
      }
    }
    if (step.script !== undefined && step.command !== undefined)
      problems.push(`${where}: script and command`);
    for (const env of asArray(step.env)) {
      if (typeof env.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env.name)) {
        problems.push(`${where}: env name ${String(env.name)} is invalid`);
      }
      if (env.value !== undefined && typeof env.value !== 'string') {
        problems.push(`${where}: env ${String(env.name)} value must be a string`);
      }
    }
    for (const mount of asArray(step.volumeMounts)) {
      if (!volumeNames.has(String(mount.name))) {
        problems.push(`${where}: volumeMount ${String(mount.name)} names no volume`);
      }
      if (String(mount.mountPath).startsWith('/tekton/')) {
        problems.push(`${where}: volumeMount ${String(mount.name)} under /tekton is reserved`);
      }
    }
  }

  // Every variable where Tekton substitutes names something the Task declares (it rejects the others).
  const substituted = {
    steps,
    volumes: spec.volumes,
    sidecars: spec.sidecars,
    stepTemplate: spec.stepTemplate,
  };
  for (const match of JSON.stringify(substituted).matchAll(VARIABLE)) {
    const variable = match[1] ?? '';
    const [scope, id, field] = variable.split('.');
    if (scope === 'params' && !paramNames.has(stripIndex(id))) problems.push(`$(${variable}): no such param`);
    else if (
      scope === 'workspaces' &&
      (!workspaceNames.has(id ?? '') || !['path', 'bound', 'claim', 'volume'].includes(field ?? ''))
    )
      problems.push(`$(${variable}): no such workspace variable`);
    else if (scope === 'results' && (!resultNames.has(id ?? '') || field !== 'path'))
      problems.push(`$(${variable}): no such result`);
    else if (scope === 'context' && !CONTEXT_VARIABLES.has(variable))
      problems.push(`$(${variable}): no such context`);
  }
  return problems;
}

function unique(items: Json[], what: string, problems: string[]): Set<string> {
  const names = new Set<string>();
  for (const item of items) {
    const name = String(item.name);
    if (names.has(name)) problems.push(`${what}: ${name} twice`);
    names.add(name);
  }
  return names;
}

function stripIndex(id: string | undefined): string {
  return (id ?? '').replace(/\[\*\]$/, '');
}
