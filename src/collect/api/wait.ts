import { AttestError } from '../../errors.js';
import { sleep } from '../../http/retry.js';
import type { KubeClient, KubeObject, TektonVersion } from '../../kube/client.js';
import { log } from '../../log.js';
import { type Children, childReferences, identify, pipelineTaskOf, readChildren } from './children.js';

export interface WaitOptions {
  /** How long to wait for siblings still running (`--wait-timeout`). */
  timeoutMs: number;
  /** Fail instead of attesting a partial run (`--require-complete`). */
  requireComplete: boolean;
  /** This task's own TaskRun: never waited for. */
  selfTaskRun: string | undefined;
  /** Poll intervals: the first, doubling up to the cap. */
  firstPollMs?: number;
  maxPollMs?: number;
}

export interface SettledRun {
  pipelineRun: KubeObject;
  children: Children;
  /** Runs (and pipeline tasks not yet started) that had not finished when the wait ended. */
  unfinished: string[];
}

/** What is still running, by run name, with a readable label for each (its pipeline task). */
interface Pending {
  runs: { name: string; label: string }[];
  total: number;
}

/**
 * Reads the run and its children, and while siblings are still running (other finally tasks, or a
 * task created a moment ago), polls with backoff until they finish or the timeout passes. Logs one
 * line per change of what it waits for.
 */
export async function waitForSiblings(
  client: KubeClient,
  initial: KubeObject,
  version: TektonVersion,
  options: WaitOptions,
): Promise<SettledRun> {
  const { namespace, name } = identify(initial, 'PipelineRun');
  const deadline = Date.now() + options.timeoutMs;
  let poll = options.firstPollMs ?? 1_000;
  let pipelineRun = initial;
  let lastLine = '';
  const reported = new Set<string>();
  const reportOnce = (warning: string) => {
    if (!reported.has(warning)) log.warn(warning);
    reported.add(warning);
  };
  for (;;) {
    const children = await readChildren(client, pipelineRun, version, reportOnce);
    const pending = pendingRuns(pipelineRun, children, options.selfTaskRun);
    if (pending.runs.length === 0) {
      if (lastLine) log.info('all sibling TaskRuns finished');
      return { pipelineRun, children, unfinished: [] };
    }
    const labels = [...new Set(pending.runs.map((r) => r.label))].join(', ');
    const count = `${pending.runs.length} of ${pending.total} TaskRuns`;
    if (Date.now() >= deadline) {
      if (options.requireComplete) {
        throw new AttestError(
          'TIMEOUT',
          `${count} of PipelineRun ${namespace}/${name} still running after ${seconds(options.timeoutMs)}: ${labels}`,
          {
            hint: 'raise --wait-timeout, or drop --require-complete to attest what finished',
          },
        );
      }
      log.warn(
        `${count} still running after ${seconds(options.timeoutMs)}: ${labels}; attesting what finished without them`,
      );
      return {
        pipelineRun,
        children: withoutRuns(children, pending),
        unfinished: pending.runs.map((r) => r.name),
      };
    }
    const line = `waiting for ${count}: ${labels}`;
    if (line !== lastLine) log.info(line);
    lastLine = line;
    await sleep(Math.min(poll, Math.max(0, deadline - Date.now())));
    poll = Math.min(poll * 2, options.maxPollMs ?? 10_000);
    pipelineRun = await client.getTekton(version, 'pipelineruns', namespace, name);
  }
}

/**
 * Children not finished yet, the attesting TaskRun excluded. Once finally has started every DAG task
 * has run or been skipped and every finally task has been created, so a pipeline task with neither a
 * run nor a skip is one whose run is about to appear.
 */
function pendingRuns(pipelineRun: KubeObject, children: Children, self: string | undefined): Pending {
  if (isDone(pipelineRun)) return { runs: [], total: 0 };
  const others = [...children.taskRuns, ...children.customRuns].filter((run) => run.metadata?.name !== self);
  const runs = others
    .filter((run) => !isDone(run))
    .map((run) => {
      const runName = String(run.metadata?.name);
      return { name: runName, label: pipelineTaskOf(run) ?? runName };
    });
  const notStarted = finallyStarted(pipelineRun) ? tasksWithoutRuns(pipelineRun, children, self) : [];
  for (const task of notStarted) runs.push({ name: task, label: task });
  return { runs, total: others.length + notStarted.length };
}

function tasksWithoutRuns(pipelineRun: KubeObject, children: Children, self: string | undefined): string[] {
  const status = pipelineRun.status as {
    pipelineSpec?: { tasks?: unknown; finally?: unknown };
    skippedTasks?: unknown;
  };
  const declared = [status.pipelineSpec?.tasks, status.pipelineSpec?.finally]
    .flatMap((list) => (Array.isArray(list) ? list : []))
    .map((task) => (task as { name?: unknown } | null)?.name)
    .filter((taskName): taskName is string => typeof taskName === 'string');
  const accounted = new Set<string>();
  for (const skipped of Array.isArray(status.skippedTasks) ? status.skippedTasks : []) {
    const skippedName = (skipped as { name?: unknown } | null)?.name;
    if (typeof skippedName === 'string') accounted.add(skippedName);
  }
  for (const run of [...children.taskRuns, ...children.customRuns]) {
    const task = pipelineTaskOf(run);
    if (task) accounted.add(task);
  }
  for (const reference of childReferences(pipelineRun)) {
    if (reference.pipelineTaskName) accounted.add(reference.pipelineTaskName);
  }
  // The attesting TaskRun's pipeline task is accounted for even if its run is not visible yet.
  const selfReference = childReferences(pipelineRun).find((r) => r.name === self);
  if (selfReference?.pipelineTaskName) accounted.add(selfReference.pipelineTaskName);
  return declared.filter((task) => !accounted.has(task));
}

function withoutRuns(children: Children, pending: Pending): Children {
  const names = new Set(pending.runs.map((r) => r.name));
  return {
    ...children,
    taskRuns: children.taskRuns.filter((run) => !names.has(String(run.metadata?.name))),
    customRuns: children.customRuns.filter((run) => !names.has(String(run.metadata?.name))),
  };
}

/** A run is done when its Succeeded condition is True or False (Unknown: running, retrying, pending). */
function isDone(run: KubeObject): boolean {
  const conditions = (run.status as { conditions?: { type?: string; status?: string }[] } | undefined)
    ?.conditions;
  const succeeded = Array.isArray(conditions) ? conditions.find((c) => c?.type === 'Succeeded') : undefined;
  return succeeded?.status === 'True' || succeeded?.status === 'False';
}

function finallyStarted(pipelineRun: KubeObject): boolean {
  return Boolean((pipelineRun.status as { finallyStartTime?: unknown } | undefined)?.finallyStartTime);
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}
