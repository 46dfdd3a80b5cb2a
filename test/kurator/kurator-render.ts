// kurator-render (test/kurator/render): Kurator's template rendering as a peer, Go text/template with the sprig
// functions, so the catalog's Kurator templates are rendered by the same code Kurator runs.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../peers/versions.js';

const run = promisify(execFile);

let built: Promise<string> | undefined;

function kuratorRenderBin(): Promise<string> {
  built ??= run('bash', [join(repoRoot, 'test/kurator/render/build.sh')], { timeout: 10 * 60_000 }).then(
    ({ stdout }) => stdout.trim().split('\n').pop() ?? '',
  );
  return built;
}

/** Kurator's render config fields (see render/main.go); unknown fields are refused. */
export interface KuratorRenderData {
  PipelineName?: string;
  PipelineNamespace?: string;
  Namespace?: string;
  TemplateName?: string;
  PredefinedTaskName?: string;
  ServiceAccountName?: string;
  Params?: Record<string, string>;
  OwnerReference?: { APIVersion: string; Kind: string; Name: string; UID: string } | null;
}

/** Renders the template file (relative to the repository) with `data`; rejects with Go's error message. */
export async function renderKuratorTemplate(templateFile: string, data: KuratorRenderData): Promise<string> {
  const bin = await kuratorRenderBin();
  return new Promise((resolve, reject) => {
    const child = execFile(bin, [join(repoRoot, templateFile)], (error, stdout, stderr) => {
      if (error) reject(new Error(`kurator-render ${templateFile}: ${stderr || error.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(JSON.stringify(data));
  });
}
