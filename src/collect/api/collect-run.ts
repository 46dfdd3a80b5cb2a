import type { KubeClient, TektonVersion } from '../../kube/client.js';
import { log } from '../../log.js';
import { buildSnapshot } from '../../tekton/build-snapshot.js';
import { normalizeCustomRun, normalizePipelineRun, normalizeTaskRun } from '../../tekton/normalize.js';
import type { RunSnapshot } from '../../tekton/snapshot.js';
import type { PipelineRun } from '../../tekton/types.js';
import {
  assertStatusFromController,
  describeForeignWrite,
  type ForeignStatusWrite,
  foreignStatusWrites,
} from './foreign-status.js';
import { type RunTarget, resolveTarget, type TargetOptions } from './target.js';
import { waitForSiblings } from './wait.js';

export interface CollectOptions extends TargetOptions {
  waitTimeoutMs: number;
  requireComplete: boolean;
  /** Field managers trusted to write run status (Tekton's controller's); any other is a foreign write. */
  statusManagers: readonly string[];
  /** Attest despite foreign status writes (they are returned, for the summary and results). */
  allowForeignStatus: boolean;
  /** First sibling poll interval (tests shorten it); doubles up to 10s. */
  firstPollMs?: number;
}

export interface CollectedRun {
  target: RunTarget;
  /** The Tekton API version the cluster served the run in. */
  version: TektonVersion;
  /** The PipelineRun as last read, normalized to v1 (its uid keys the tekton storage annotations). */
  pipelineRun: PipelineRun;
  snapshot: RunSnapshot;
  /** Status fields of the attested runs written by a field manager other than Tekton's controller. */
  foreignStatus: readonly ForeignStatusWrite[];
}

/**
 * Collects the run to attest from the API: which run (flags, env, pod labels), the PipelineRun (v1, else
 * v1beta1), its TaskRuns and CustomRuns (waiting, bounded, for siblings still running), then the
 * engine's snapshot with the attesting TaskRun left out. Refuses runs whose status someone other than
 * Tekton's controller wrote, unless allowed.
 */
export async function collectRun(client: KubeClient, options: CollectOptions): Promise<CollectedRun> {
  const target = await resolveTarget(options, client.connection);
  const { object, version } = await client.getPipelineRun(target.namespace, target.pipelineRun);
  const settled = await waitForSiblings(client, object, version, {
    timeoutMs: options.waitTimeoutMs,
    requireComplete: options.requireComplete,
    selfTaskRun: target.selfTaskRun,
    ...(options.firstPollMs !== undefined ? { firstPollMs: options.firstPollMs } : {}),
  });
  const self = target.selfTaskRun;
  if (self && !settled.children.taskRuns.some((run) => run.metadata?.name === self)) {
    log.warn(
      `TaskRun ${self} (this task) is not a TaskRun of PipelineRun ${target.pipelineRun}; nothing excluded`,
    );
  }
  const foreignStatus = [
    ...foreignStatusWrites(settled.pipelineRun, 'PipelineRun', options.statusManagers),
    ...settled.children.taskRuns
      .filter((run) => run.metadata?.name !== self)
      .flatMap((run) => foreignStatusWrites(run, 'TaskRun', options.statusManagers)),
  ];
  if (!options.allowForeignStatus) {
    assertStatusFromController(foreignStatus, options.statusManagers, target.namespace);
  }
  for (const write of foreignStatus) {
    log.warn(`foreign status write (--allow-foreign-status): ${describeForeignWrite(write)}`);
  }
  const pipelineRun = normalizePipelineRun(settled.pipelineRun);
  const snapshot = buildSnapshot({
    pipelineRun,
    taskRuns: settled.children.taskRuns.map(normalizeTaskRun),
    customRuns: settled.children.customRuns.map(normalizeCustomRun),
    exclude: self ? [self] : [],
  });
  const unfinished = [
    ...new Set([...snapshot.unfinished, ...settled.unfinished, ...settled.children.missing]),
  ];
  log.info(
    `collected PipelineRun ${target.namespace}/${target.pipelineRun} (tekton.dev/${version}): ` +
      `${snapshot.taskRuns.length} TaskRuns${snapshot.customRuns.length ? `, ${snapshot.customRuns.length} CustomRuns` : ''}` +
      `${self ? `, ${self} (this task) excluded` : ''}${unfinished.length ? `, not finished: ${unfinished.join(', ')}` : ''}`,
  );
  return { target, version, pipelineRun, snapshot: { ...snapshot, unfinished }, foreignStatus };
}
