import { AttestError } from '../errors.js';
import { quoted } from '../log.js';
import { isRfc3339Time } from './time.js';

/**
 * Checks the fields provenance reads have the shapes Tekton gives them, so a hand-edited or truncated
 * file fails with the file and the field named instead of a TypeError deep in a format.
 */
type Shape = 'object' | 'list' | 'string' | 'time' | 'stringMap' | 'value' | 'named';

const COMMON: [string, Shape][] = [
  ['metadata', 'object'],
  ['metadata.name', 'string'],
  ['metadata.uid', 'string'],
  ['metadata.labels', 'stringMap'],
  ['metadata.annotations', 'stringMap'],
  ['spec', 'object'],
  ['spec.params', 'named'],
  ['status', 'object'],
  ['status.startTime', 'time'],
  ['status.completionTime', 'time'],
  ['status.conditions', 'list'],
  ['status.results', 'named'],
  ['status.provenance', 'object'],
  ['status.provenance.refSource', 'object'],
  ['status.provenance.refSource.digest', 'stringMap'],
];

const SHAPES: Record<'PipelineRun' | 'TaskRun' | 'CustomRun', [string, Shape][]> = {
  PipelineRun: [
    ...COMMON,
    // v1beta1 name of status.results (normalized afterwards)
    ['status.pipelineResults', 'named'],
    ['status.pipelineSpec', 'object'],
    ['status.pipelineSpec.params', 'named'],
    ['status.pipelineSpec.tasks', 'named'],
    ['status.pipelineSpec.finally', 'named'],
    ['status.pipelineSpec.results', 'named'],
    ['status.childReferences', 'named'],
  ],
  TaskRun: [
    ...COMMON,
    // v1beta1 name of status.results (normalized afterwards)
    ['status.taskResults', 'named'],
    ['status.steps', 'list'],
    ['status.sidecars', 'list'],
    ['status.taskSpec', 'object'],
    ['status.taskSpec.params', 'named'],
    ['status.taskSpec.steps', 'list'],
  ],
  CustomRun: COMMON,
};

/**
 * How deep a run object may nest. Tekton objects nest about 15 levels; much deeper ones only come from a
 * hostile or broken file or server, and would overflow the stack of the recursive code after this check
 * (JSON serialization, structured clones), a crash instead of a message naming the object.
 */
export const MAX_NESTING = 100;

export function validateRunShape(
  object: Record<string, unknown>,
  kind: keyof typeof SHAPES,
  where: string,
): void {
  const tooDeep = pathDeeperThan(object, MAX_NESTING);
  if (tooDeep !== undefined) {
    throw new AttestError(
      'INVALID_INPUT',
      `${where}: ${kind} is nested more than ${MAX_NESTING} levels deep (at ${tooDeep})`,
      { hint: 'this is not an object Tekton wrote; save the object again with kubectl get ... -o json' },
    );
  }
  for (const [path, shape] of SHAPES[kind]) {
    let value: unknown = object;
    for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined;
    if (value === undefined || value === null) continue;
    const problem = check(value, shape);
    if (problem) {
      throw new AttestError('INVALID_INPUT', `${where}: ${kind} field ${path} ${problem}`, {
        hint: 'save the object again with kubectl get ... -o json (or fix the field by hand)',
      });
    }
  }
}

function check(value: unknown, shape: Shape): string | undefined {
  switch (shape) {
    case 'object':
      return isObject(value) ? undefined : 'must be a mapping';
    case 'list':
      return Array.isArray(value) ? undefined : 'must be a list';
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'time':
      // Chains decodes the object into Go types first; a metav1.Time that is not RFC 3339 fails that decode.
      if (typeof value !== 'string') return 'must be a string';
      return isRfc3339Time(value)
        ? undefined
        : `must be an RFC 3339 time (2026-01-02T10:00:00Z), not ${quoted(value)}`;
    case 'stringMap':
      return isObject(value) && Object.values(value).every((v) => typeof v === 'string')
        ? undefined
        : 'must be a mapping of strings';
    case 'value':
      return isParamValue(value) ? undefined : 'must be a string, a list of strings or a mapping of strings';
    case 'named':
      return checkNamedList(value);
  }
}

/** A list of `{name, value?}` entries (params, results, pipeline tasks, child references). */
function checkNamedList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'must be a list';
  for (const [index, item] of value.entries()) {
    if (!isObject(item) || typeof item.name !== 'string') return `[${index}] must have a string name`;
    for (const field of ['value', 'default'] as const) {
      if (item[field] !== undefined && check(item[field], 'value')) {
        return `[${index}] (${item.name}).${field} must be a string, a list of strings or a mapping of strings`;
      }
    }
  }
  return undefined;
}

function isParamValue(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string');
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** The path (`spec.params[0].value...`) of the first value nested deeper than `limit`. */
function pathDeeperThan(root: unknown, limit: number): string | undefined {
  const path = deepPath(root, limit);
  return path === undefined ? undefined : `${path.replace(/^\./, '').slice(0, 200)}...`;
}

/**
 * The path below `value` to an object `limit` levels down, built only on the way back from one: a walk
 * that allocated per value (a path string, an entry, a stack frame object) made this check most of the
 * memory churn of reading 500 TaskRuns, and the young generation it grew into was the run's peak RSS.
 * Recursive, but never deeper than `limit` calls.
 */
function deepPath(value: unknown, limit: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (limit === 0) return '';
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const below = deepPath(value[index], limit - 1);
      if (below !== undefined) return `[${index}]${below}`;
    }
    return undefined;
  }
  // for...in, not Object.entries: no array per object. Run objects are plain data (JSON or YAML).
  for (const key in value) {
    const below = deepPath((value as Record<string, unknown>)[key], limit - 1);
    if (below !== undefined) return `.${key}${below}`;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
