import { groupByPipelineTask } from '../tekton/build-snapshot.js';
import type { RunSnapshot } from '../tekton/snapshot.js';
import type { PipelineTask, ResultValue, TaskRun } from '../tekton/types.js';
import type { FormatOptions } from './statement.js';

/**
 * What every format reads, derived once per statement: the pipeline's tasks in Chains' order (tasks, then
 * finally), the TaskRuns indexed by their pipeline task (one pass, matrix tasks have several), and the
 * executed TaskRuns (those with a completionTime) in that order.
 */
export interface RunContext {
  snapshot: RunSnapshot;
  options: FormatOptions;
  pipelineTasks: { task: PipelineTask; isFinally: boolean }[];
  taskRunsByTask: ReadonlyMap<string, readonly TaskRun[]>;
  executed: ExecutedTask[];
  warn: Warn;
}

export interface ExecutedTask {
  pipelineTask: PipelineTask;
  isFinally: boolean;
  taskRun: TaskRun;
}

/** Where a result came from, for warnings that name it. */
export interface ResultSource {
  kind: 'PipelineRun' | 'TaskRun';
  name: string | undefined;
  /** For a step result: the step's name. */
  step?: string;
}

/** Reports something skipped or doubtful (an invalid digest, an unusable image ID) with its source. */
export type Warn = (message: string, source?: ResultSource) => void;

export interface SourcedResults {
  results: readonly ResultValue[];
  source: ResultSource;
}

export function createContext(snapshot: RunSnapshot, options: FormatOptions, warn: Warn): RunContext {
  const spec = snapshot.pipelineRun.status?.pipelineSpec;
  const pipelineTasks = [
    ...(spec?.tasks ?? []).map((task) => ({ task, isFinally: false })),
    ...(spec?.finally ?? []).map((task) => ({ task, isFinally: true })),
  ];
  const taskRunsByTask = groupByPipelineTask(snapshot.taskRuns);
  const executed: ExecutedTask[] = [];
  for (const { task, isFinally } of pipelineTasks) {
    for (const taskRun of taskRunsByTask.get(task.name) ?? []) {
      if (taskRun.status?.completionTime) executed.push({ pipelineTask: task, isFinally, taskRun });
    }
  }
  return { snapshot, options, pipelineTasks, taskRunsByTask, executed, warn };
}

export function describeSource(source: ResultSource): string {
  const object = `${source.kind} ${source.name ?? '(unnamed)'}`;
  return source.step === undefined ? object : `${object} step ${source.step}`;
}

export function pipelineRunResults(context: RunContext): SourcedResults {
  return {
    results: context.snapshot.pipelineResults,
    source: { kind: 'PipelineRun', name: context.snapshot.pipelineRun.metadata.name },
  };
}

export function taskRunResults(taskRun: TaskRun): SourcedResults {
  return { results: taskRun.status?.results ?? [], source: { kind: 'TaskRun', name: taskRun.metadata.name } };
}

/** Each step's results separately (v2alpha4 reads subjects step by step). */
export function stepResults(taskRun: TaskRun): SourcedResults[] {
  return (taskRun.status?.steps ?? []).map((step) => ({
    results: step.results ?? [],
    source: { kind: 'TaskRun', name: taskRun.metadata.name, step: step.name ?? '' },
  }));
}
