// chains-oracle (test/chains-oracle): Tekton Chains' own payload formatter as a test peer, built from
// github.com/tektoncd/chains (pinned in scripts/peers/versions.env and test/chains-oracle/go.mod) by
// test/chains-oracle/build.sh into the peer cache.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './versions.js';

const run = promisify(execFile);

/** The first build downloads Chains' dependencies and compiles them: minutes. */
export const CHAINS_ORACLE_BUILD_TIMEOUT_MS = 20 * 60_000;

let built: Promise<string> | undefined;

export function chainsOracleBin(): Promise<string> {
  built ??= run('bash', [join(repoRoot, 'test/chains-oracle/build.sh')], {
    timeout: CHAINS_ORACLE_BUILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  }).then(({ stdout }) => stdout.trim().split('\n').pop() ?? '');
  return built;
}

/** One Chains configuration: `artifacts.{pipelinerun,taskrun}.format`, `builddefinition.buildtype`, deep inspection. */
export interface OracleConfig {
  format: string;
  buildType?: string;
  deepInspection?: boolean;
}

/** A PipelineRun with its child TaskRuns (any order: Chains appends them in childReferences order), or a TaskRun. */
export interface OracleCase {
  id: string;
  pipelineRun?: unknown;
  taskRuns?: unknown[];
  taskRun?: unknown;
  configs: OracleConfig[];
}

export interface OraclePayload {
  config: OracleConfig;
  /** The exact bytes Chains signs (absent when Chains fails). */
  payload?: string;
  error?: string;
}

export interface OracleResult {
  id: string;
  /** Why Chains would not sign this object at all (e.g. a CustomRun child). */
  error?: string;
  payloads?: OraclePayload[];
  /** TaskRun cases: the simplesigning payloads of the images Chains signs (`artifacts.oci`). */
  images?: string[];
}

async function callOracle(
  mode: 'payload' | 'normalize' | 'pipeline-results',
  request: unknown,
): Promise<unknown> {
  const bin = await chainsOracleBin();
  const child = execFile(bin, [mode], { maxBuffer: 512 * 1024 * 1024, timeout: 10 * 60_000 });
  const output = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`chains-oracle ${mode} exited with ${code}: ${stderr.trim()}`));
    });
  });
  child.stdin?.end(JSON.stringify(request));
  return JSON.parse(await output);
}

/** What Chains' payloader produces for each case and config. */
export async function chainsPayloads(cases: readonly OracleCase[]): Promise<OracleResult[]> {
  const response = (await callOracle('payload', { cases })) as { cases: OracleResult[] };
  return response.cases;
}

/**
 * The objects re-encoded through Tekton's Go types (decoded case-sensitively as client-go does: unknown fields
 * dropped, zero values omitted), in their own apiVersion, or converted to v1 with Tekton's ConvertTo.
 */
export async function normalizeThroughTekton<T = Record<string, unknown>>(
  objects: readonly unknown[],
  toV1 = false,
): Promise<T[]> {
  const response = (await callOracle('normalize', { objects, toV1 })) as { objects: T[] };
  return response.objects;
}

export interface TektonPipelineResults {
  results: { name: string; value: unknown }[];
  /** ApplyTaskResultsToPipelineResults' error (Tekton then fails the run, keeping the valid results). */
  error?: string;
}

/**
 * What Tekton's PipelineRun reconciler writes to status.results when a run with these children ends
 * Succeeded or Failed (its own ApplyTaskResultsToPipelineResults; matrixed producers are not covered).
 */
export async function tektonPipelineResults(run: {
  pipelineRun: unknown;
  taskRuns: readonly unknown[];
  customRuns?: readonly unknown[];
}): Promise<TektonPipelineResults> {
  return (await callOracle('pipeline-results', {
    pipelineRun: run.pipelineRun,
    taskRuns: run.taskRuns,
    customRuns: run.customRuns ?? [],
  })) as TektonPipelineResults;
}
