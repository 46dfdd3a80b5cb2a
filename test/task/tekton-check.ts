// tekton-check (test/task/tekton-check): Tekton's own code as a peer. `validate` runs tektoncd/pipeline's
// SetDefaults + Validate on v1 objects (what the admission webhook does); `bundle` fetches an entry with the
// bundles resolver's GetEntry (go-containerregistry), the code a cluster runs for `resolver: bundles`.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../peers/versions.js';

const run = promisify(execFile);

/** The first build downloads tektoncd/pipeline's dependencies and compiles them: minutes. */
export const TEKTON_CHECK_BUILD_TIMEOUT_MS = 20 * 60_000;

let built: Promise<string> | undefined;

export function tektonCheckBin(): Promise<string> {
  built ??= run('bash', [join(repoRoot, 'test/task/tekton-check/build.sh')], {
    timeout: TEKTON_CHECK_BUILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  }).then(({ stdout }) => stdout.trim().split('\n').pop() ?? '');
  return built;
}

export interface ValidationReport {
  file: string;
  kind: string;
  name: string;
  error?: string;
}

/** Every tekton.dev/v1 Task, Pipeline, PipelineRun and TaskRun in the files, with Tekton's verdict. */
export async function tektonValidate(files: string[]): Promise<ValidationReport[]> {
  const bin = await tektonCheckBin();
  const result = await run(bin, ['validate', ...files], { cwd: repoRoot }).catch(
    (error: { stdout?: string; code?: number }) => {
      if (error.code === 1 && error.stdout !== undefined) return { stdout: error.stdout };
      throw error;
    },
  );
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ValidationReport);
}

export interface ResolvedEntry {
  data: unknown;
  annotations: Record<string, string>;
  source: { uri: string; digest: Record<string, string>; entryPoint: string };
}

/** The bundles resolver's answer for `resolver: bundles` with these params; rejects with its error. */
export async function tektonResolveBundle(ref: string, kind: string, name: string): Promise<ResolvedEntry> {
  const bin = await tektonCheckBin();
  const { stdout } = await run(bin, ['bundle', ref, kind, name], { timeout: 60_000 });
  return JSON.parse(stdout) as ResolvedEntry;
}
