// Generated runs as a cluster stores them: status.results written by Tekton's own reconciler code (none for
// a hard-cancelled run), then every object re-encoded through Tekton's Go types in its own apiVersion.
import { normalizeThroughTekton, tektonPipelineResults } from '../peers/chains-oracle.js';
import { type GeneratedRun, generateRun } from './generate-runs.js';

type Json = Record<string, unknown>;

export async function storedRuns(seeds: readonly number[]): Promise<GeneratedRun[]> {
  const runs = seeds.map(generateRun);
  for (const run of runs) {
    if (run.hardCancelled) continue;
    const written = await tektonPipelineResults(run);
    if (written.error)
      throw new Error(`${run.id}: the generator wrote invalid pipeline results: ${written.error}`);
    if (written.results.length > 0) {
      const status = run.pipelineRun.status as Json;
      status[run.legacy ? 'pipelineResults' : 'results'] = written.results;
    }
  }
  const objects = runs.flatMap((run) => [run.pipelineRun, ...run.taskRuns]);
  const stored = await normalizeThroughTekton(objects);
  let next = 0;
  return runs.map((run) => {
    const pipelineRun = stored[next++] as Json;
    const taskRuns = run.taskRuns.map(() => stored[next++] as Json);
    return { ...run, pipelineRun, taskRuns };
  });
}
