// The finally-time reconstruction of pipeline results against Tekton's own code (the oracle's
// pipeline-results mode runs Tekton v1.15's ApplyTaskResultsToPipelineResults the way its PipelineRun
// reconciler calls it when a run ends): each generated run, seen as a finally task sees it (still running,
// no status.results), must resolve to exactly what Tekton wrote when it ended; a hard-cancelled run to none.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSnapshot, groupByPipelineTask } from '../../src/tekton/build-snapshot.js';
import { normalizePipelineRun, normalizeTaskRun } from '../../src/tekton/normalize.js';
import { resolvePipelineResults } from '../../src/tekton/pipeline-results.js';
import type { PipelineSpec, TaskRun } from '../../src/tekton/types.js';
import {
  CHAINS_ORACLE_BUILD_TIMEOUT_MS,
  chainsOracleBin,
  tektonPipelineResults,
} from '../peers/chains-oracle.js';
import type { GeneratedRun } from '../provenance/generate-runs.js';
import { storedRuns } from '../provenance/generated-runs.js';
import { task, taskRun } from './make-run.js';

type Json = Record<string, unknown>;
const SEEDS = Array.from({ length: 60 }, (_, i) => 2000 + i);
let runs: GeneratedRun[];

beforeAll(async () => {
  await chainsOracleBin();
  runs = await storedRuns(SEEDS);
}, CHAINS_ORACLE_BUILD_TIMEOUT_MS);

/** The run as its last finally task sees it: Running, no completionTime, no status.results yet. */
function atFinallyTime(run: GeneratedRun): Json {
  const pipelineRun = structuredClone(run.pipelineRun);
  const status = pipelineRun.status as Json;
  delete status.results;
  delete status.pipelineResults;
  delete status.completionTime;
  const reason = run.hardCancelled ? 'CancelledRunningFinally' : 'Running';
  status.conditions = [{ type: 'Succeeded', status: 'Unknown', reason }];
  return pipelineRun;
}

describe('finally-time pipeline results equal what Tekton v1.15 writes', () => {
  it('covers runs with results, failed producers and hard-cancelled runs', () => {
    const written = runs.filter((run) => normalizePipelineRun(run.pipelineRun).status?.results?.length);
    expect(written.length).toBeGreaterThan(30);
    expect(runs.filter((run) => run.hardCancelled).length).toBeGreaterThan(2);
  });

  for (const seed of SEEDS) {
    it(`seed-${seed}`, () => {
      const run = runs.find((r) => r.id === `seed-${seed}`) as GeneratedRun;
      const finished = normalizePipelineRun(run.pipelineRun);
      const snapshot = buildSnapshot({
        pipelineRun: normalizePipelineRun(atFinallyTime(run)),
        taskRuns: run.taskRuns.map(normalizeTaskRun),
      });
      // What Tekton's code wrote when the run ended (nothing for a hard-cancelled one).
      expect(snapshot.pipelineResults).toEqual(finished.status?.results ?? []);
    });
  }

  it("a failed TaskRun's written results count and the ones it lacks are left out, as Tekton's code does", async () => {
    const build = taskRun('pr-build', 'build', {
      results: [{ name: 'IMAGE_URL', value: 'registry.example/app' }],
    });
    const failed = taskRun('pr-test', 'test', {
      succeeded: 'False',
      results: [{ name: 'coverage', value: '80' }],
    });
    const spec: PipelineSpec = {
      tasks: [task('build'), task('scan'), task('test')],
      results: [
        { name: 'report', value: '$(tasks.scan.results.report)' },
        { name: 'coverage', value: '$(tasks.test.results.coverage)' },
        { name: 'lint', value: '$(tasks.test.results.lint)' },
        { name: 'IMAGE_URL', value: '$(tasks.build.results.IMAGE_URL)' },
      ],
    };
    const pipelineRun = {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: 'pr' },
      spec: {},
      status: { pipelineSpec: spec },
    };
    const tekton = await tektonPipelineResults({ pipelineRun, taskRuns: [build, failed] });
    const ours = resolvePipelineResults(spec, {
      taskRunsByTask: groupByPipelineTask<TaskRun>([build, failed]),
      customRunsByTask: new Map(),
    });
    expect(tekton.error).toBeUndefined();
    expect(ours.results).toEqual(tekton.results);
    expect(ours.results.map((r) => r.name)).toEqual(['coverage', 'IMAGE_URL']);
  });
});
