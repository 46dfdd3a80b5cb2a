import { parseResultRef, valueExpressions } from './result-refs.js';
import { ownValue } from './run-keys.js';
import { isExactSubstitution, substitutionExpressions } from './substitution.js';
import type { CustomRun, ParamValue, PipelineSpec, ResultValue, TaskRun } from './types.js';

/**
 * A PipelineRun's results computed from its pipeline spec and its children's results, as Tekton computes
 * them when the run completes (ApplyTaskResultsToPipelineResults). A finally task runs before that moment,
 * so it must do this itself:
 * - `$(tasks.<pt>.results.<r>)`, `<r>[i]`, `<r>[*]` (array or whole object), `<r>.<key>`, and references
 *   inside longer strings, array items and object values; `finally.<pt>...` too;
 * - a task provides results once its TaskRun finished, succeeded or failed (Tekton's GetTaskRunsResults
 *   takes a failed TaskRun's results too); a matrixed task only when every run succeeded; a result whose
 *   producer (DAG or finally task) has not succeeded and did not write it is omitted, exactly as Tekton omits
 *   it; a result that needs something that does not exist is omitted too, and reported as invalid;
 * - a matrixed task provides each string result as an array, one item per TaskRun;
 * - a result without any reference is not a run result (Tekton skips it too).
 */
export interface ResolvedPipelineResults {
  results: ResultValue[];
  omitted: OmittedResult[];
}

export interface OmittedResult {
  name: string;
  /** `producer-not-successful`: omitted as Tekton omits it; `invalid`: Tekton would fail the run. */
  kind: 'producer-not-successful' | 'invalid';
  reason: string;
}

export interface ResultSources {
  /** TaskRuns per pipeline task name, in the order they were created (matrix order). */
  taskRunsByTask: ReadonlyMap<string, readonly TaskRun[]>;
  customRunsByTask: ReadonlyMap<string, readonly CustomRun[]>;
}

type TaskState = 'Succeeded' | 'Failed' | 'None';
type Replacements = {
  strings: Map<string, string>;
  arrays: Map<string, string[]>;
  objects: Map<string, Record<string, string>>;
};

export function resolvePipelineResults(spec: PipelineSpec, sources: ResultSources): ResolvedPipelineResults {
  const pipelineTasks = new Set([...(spec.tasks ?? []), ...(spec.finally ?? [])].map((task) => task.name));
  const matrixed = new Set(
    [...(spec.tasks ?? []), ...(spec.finally ?? [])].filter((task) => task.matrix).map((task) => task.name),
  );
  const replacements: Replacements = { strings: new Map(), arrays: new Map(), objects: new Map() };
  const results: ResultValue[] = [];
  const omitted: OmittedResult[] = [];

  for (const pipelineResult of spec.results ?? []) {
    const expressions = valueExpressions(pipelineResult.value);
    if (expressions.length === 0) continue;
    let problem: OmittedResult | undefined;
    for (const expression of expressions) {
      const found = resolveExpression(expression, sources, pipelineTasks, matrixed, replacements);
      if (found !== undefined && problem?.kind !== 'invalid') {
        problem = { name: pipelineResult.name, ...found };
      }
    }
    if (problem) omitted.push(problem);
    else
      results.push({
        name: pipelineResult.name,
        value: applyReplacements(pipelineResult.value, replacements),
      });
  }
  return { results, omitted };
}

/** Records the replacement for one expression; returns why it cannot be resolved, if it cannot. */
function resolveExpression(
  expression: string,
  sources: ResultSources,
  pipelineTasks: ReadonlySet<string>,
  matrixed: ReadonlySet<string>,
  replacements: Replacements,
): Omit<OmittedResult, 'name'> | undefined {
  if (replacements.strings.has(expression)) return undefined;
  const ref = parseResultRef(expression);
  if (!ref) return { kind: 'invalid', reason: `$(${expression}) is not a task result reference` };
  const taskResults = providedResults(ref.pipelineTask, sources, matrixed);
  const value = taskResults?.find((result) => result.name === ref.result)?.value;
  if (value === undefined) {
    const customValue = customRunResult(ref.pipelineTask, ref.result, sources);
    if (customValue !== undefined && ref.property === undefined) {
      replacements.strings.set(expression, customValue);
      return undefined;
    }
    const state = taskState(ref.pipelineTask, sources);
    // A pipeline task (DAG or finally) that was skipped or failed silently drops the result.
    if (pipelineTasks.has(ref.pipelineTask) && state !== 'Succeeded') {
      const how = state === 'Failed' ? 'failed' : 'was skipped or has not succeeded';
      return { kind: 'producer-not-successful', reason: `task ${ref.pipelineTask} ${how}` };
    }
    return { kind: 'invalid', reason: `task ${ref.pipelineTask} has no result ${ref.result}` };
  }
  if (ref.property !== undefined) {
    const item =
      typeof value === 'object' && !Array.isArray(value) ? ownValue(value, ref.property) : undefined;
    if (item === undefined) {
      return {
        kind: 'invalid',
        reason: `result ${ref.result} of task ${ref.pipelineTask} has no key ${ref.property}`,
      };
    }
    replacements.strings.set(expression, item);
    return undefined;
  }
  if (typeof value === 'string') {
    replacements.strings.set(expression, value);
  } else if (Array.isArray(value)) {
    if (ref.index === '*') {
      replacements.arrays.set(stripStar(expression), value);
    } else {
      // Tekton reads a missing index as 0.
      const item = value[ref.index ?? 0];
      if (item === undefined) {
        return {
          kind: 'invalid',
          reason: `result ${ref.result} of task ${ref.pipelineTask} has no item ${ref.index}`,
        };
      }
      replacements.strings.set(expression, item);
    }
  } else {
    replacements.objects.set(stripStar(expression), value);
  }
  return undefined;
}

/**
 * The results a pipeline task provides: its TaskRun's once it finished (succeeded or failed); a matrixed
 * task's only when every one of its TaskRuns succeeded. Otherwise undefined.
 */
function providedResults(
  pipelineTask: string,
  sources: ResultSources,
  matrixed: ReadonlySet<string>,
): ResultValue[] | undefined {
  const taskRuns = sources.taskRunsByTask.get(pipelineTask) ?? [];
  if (!matrixed.has(pipelineTask)) {
    const [taskRun] = taskRuns;
    const status = taskRun && conditionStatus(taskRun);
    return status === 'True' || status === 'False' ? (taskRun?.status?.results ?? []) : undefined;
  }
  if (taskRuns.length === 0 || !taskRuns.every((run) => succeeded(run))) return undefined;
  const byName = new Map<string, string[]>();
  for (const run of taskRuns) {
    for (const result of run.status?.results ?? []) {
      if (typeof result.value !== 'string') continue;
      const values = byName.get(result.name) ?? [];
      values.push(result.value);
      byName.set(result.name, values);
    }
  }
  return [...byName].map(([name, value]) => ({ name, value }));
}

function customRunResult(pipelineTask: string, result: string, sources: ResultSources): string | undefined {
  const runs = sources.customRunsByTask.get(pipelineTask) ?? [];
  if (runs.length === 0 || !runs.every((run) => succeeded(run))) return undefined;
  const value = runs[0]?.status?.results?.find((r) => r.name === result)?.value;
  return typeof value === 'string' ? value : undefined;
}

function taskState(pipelineTask: string, sources: ResultSources): TaskState {
  const runs: (TaskRun | CustomRun)[] = [
    ...(sources.taskRunsByTask.get(pipelineTask) ?? []),
    ...(sources.customRunsByTask.get(pipelineTask) ?? []),
  ];
  if (runs.length > 0 && runs.every((run) => succeeded(run))) return 'Succeeded';
  if (runs.some((run) => conditionStatus(run) === 'False')) return 'Failed';
  return 'None';
}

function conditionStatus(run: TaskRun | CustomRun): string | undefined {
  return run.status?.conditions?.find((c) => c.type === 'Succeeded')?.status;
}

function succeeded(run: TaskRun | CustomRun): boolean {
  return conditionStatus(run) === 'True';
}

function stripStar(expression: string): string {
  return expression.endsWith('[*]') ? expression.slice(0, -3) : expression;
}

function replaceStrings(text: string, replacements: Replacements): string {
  if (!text.includes('$(')) return text;
  let out = text;
  for (const expression of substitutionExpressions(text)) {
    const value = replacements.strings.get(expression);
    if (value !== undefined) out = out.split(`$(${expression})`).join(value);
  }
  return out;
}

/** Tekton's ParamValue.ApplyReplacements: strings substituted; an exact `$(x[*])` becomes the array/object. */
function applyReplacements(value: ParamValue, replacements: Replacements): ParamValue {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      const exact = isExactSubstitution(item) && item.endsWith('[*])');
      const array = exact ? replacements.arrays.get(item.slice(2, -4)) : undefined;
      return array ?? [replaceStrings(item, replacements)];
    });
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceStrings(v, replacements)]));
  }
  if (!isExactSubstitution(value)) return replaceStrings(value, replacements);
  const trimmed = stripStar(value.slice(2, -1));
  const array = replacements.arrays.get(trimmed);
  if (array) return array;
  const object = replacements.objects.get(trimmed);
  if (object) return object;
  return replaceStrings(value, replacements);
}
