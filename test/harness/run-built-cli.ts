// Runs the built bundle (dist/cli.js) as a child process, the way users and the Task run it.
// `npm test` builds first; for a targeted run, `npm run build` before vitest.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../peers/versions.js';

export const builtCli = join(repoRoot, 'dist', 'cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: readonly string[],
  options: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    nodeFlags?: readonly string[];
    /** Another build of the CLI than dist/cli.js. */
    cli?: string;
  } = {},
): Promise<CliResult> {
  const cli = options.cli ?? builtCli;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), cli, ...args], {
      env,
      cwd: options.cwd,
      stdio: 'pipe',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.end();
  });
}
