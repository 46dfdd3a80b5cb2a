import { substitutionExpressions } from './substitution.js';
import type { ParamValue, PipelineTask } from './types.js';

/**
 * Tekton's `$(tasks.<pipelineTask>.results.<result>...)` references, parsed the way tektoncd/pipeline does
 * (v1 resultref.go): `<result>`, `<result>[i]`, `<result>[*]` and `<result>.<key>`; `finally.` too.
 */
export interface ResultRef {
  pipelineTask: string;
  result: string;
  /** Array element index or `*` (whole array/object). */
  index?: number | '*';
  /** Object result key. */
  property?: string;
}

const ARRAY_INDEXING = /\[([0-9])*\*?\]/;

/** The expressions inside every `$(...)` of a param or result value (string, array items, object values). */
export function valueExpressions(value: ParamValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return substitutionExpressions(value);
  const items = Array.isArray(value) ? value : Object.values(value);
  return items.flatMap((item) => (typeof item === 'string' ? substitutionExpressions(item) : []));
}

/** Parses one expression (`tasks.a.results.b[*]`); undefined when it is not a result reference. */
export function parseResultRef(expression: string): ResultRef | undefined {
  const parts = expression.split('.');
  if (parts.length < 4 || (parts[0] !== 'tasks' && parts[0] !== 'finally') || parts[2] !== 'results') {
    return undefined;
  }
  const pipelineTask = parts[1] ?? '';
  if (parts.length === 5) {
    return { pipelineTask, result: stripIndex(parts[3] ?? '').name, property: parts[4] ?? '' };
  }
  if (parts.length !== 4) return undefined;
  const { name, index } = stripIndex(parts[3] ?? '');
  const ref: ResultRef = { pipelineTask, result: name };
  if (index !== undefined) ref.index = index;
  return ref;
}

function stripIndex(text: string): { name: string; index?: number | '*' } {
  const match = ARRAY_INDEXING.exec(text);
  if (!match) return { name: text };
  const inside = match[0].slice(1, -1);
  const name = text.replace(new RegExp(ARRAY_INDEXING.source, 'g'), '');
  // `[]` parses as no index at all, as in Tekton.
  if (inside === '') return { name };
  return { name, index: inside === '*' ? '*' : Number(inside) };
}

/**
 * Every result reference a pipeline task makes (Tekton's PipelineTaskResultRefs): params, matrix params,
 * matrix include params, when expressions (input, values, cel) and an embedded taskSpec's steps/sidecars.
 */
export function pipelineTaskResultRefs(task: PipelineTask): ResultRef[] {
  const expressions: string[] = [];
  const params = [
    ...(task.params ?? []),
    ...(task.matrix?.params ?? []),
    ...(task.matrix?.include ?? []).flatMap((include) => include.params ?? []),
  ];
  for (const param of params) expressions.push(...valueExpressions(param.value));
  for (const when of task.when ?? []) {
    expressions.push(...substitutionExpressions(when.input ?? ''));
    for (const value of when.values ?? []) expressions.push(...substitutionExpressions(value));
    expressions.push(...substitutionExpressions(when.cel ?? ''));
  }
  for (const container of [...(task.taskSpec?.steps ?? []), ...(task.taskSpec?.sidecars ?? [])]) {
    collectStrings(container, expressions);
  }
  return expressions.map(parseResultRef).filter((ref): ref is ResultRef => ref !== undefined);
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(...substitutionExpressions(value));
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) collectStrings(item, into);
  }
}
