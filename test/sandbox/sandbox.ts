// The e2e tests' handle on a local Tekton sandbox: `scripts/sandbox.sh up` in a temp dir (as a user runs it),
// kubectl/tkn/cosign/tekton-attest against it, and waiting for runs. One sandbox per test file.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../peers/kube-apiserver.js';
import { repoRoot } from '../peers/versions.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How long an e2e test may take: a PipelineRun on the sandbox takes tens of seconds on a loaded machine. */
export const RUN_TIMEOUT_MS = 300_000;

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
}

export interface Sandbox {
  dir: string;
  kubeconfig: string;
  /** host:port of the sandbox's registry (plain HTTP). */
  registry: string;
  /** Env for commands run against the sandbox: KUBECONFIG, PATH with DIR/bin first. */
  env: NodeJS.ProcessEnv;
  /** Runs a command with the sandbox env (plus `opts.env`); never throws for a non-zero exit. */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<CommandResult>;
  /** kubectl ARGS; throws on a non-zero exit. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** kubectl get KIND NAME -o json, or undefined when not found. */
  get(kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  /** kubectl apply (objects, YAML text) in `namespace`. */
  apply(objects: KubeObject | KubeObject[] | string, namespace?: string): Promise<void>;
  /** kubectl create (objects with generateName, or YAML text); returns the created objects. */
  create(objects: KubeObject | KubeObject[] | string, namespace?: string): Promise<KubeObject[]>;
  /** Waits until the run's Succeeded condition is True or False; returns the object then. */
  waitForRun(
    kind: 'pipelinerun' | 'taskrun',
    name: string,
    namespace?: string,
    timeoutMs?: number,
  ): Promise<KubeObject>;
  /** The whole sandbox log and the controller's, for failure messages. */
  logs(): string;
  down(): Promise<void>;
}

const sandboxScript = join(repoRoot, 'scripts', 'sandbox.sh');

function exec(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input?: string,
  cwd?: string,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const options = { env, cwd, maxBuffer: 64 * 1024 * 1024 };
    const child = execFile(cmd, args, options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin?.end(input ?? '');
  });
}

/** `scripts/sandbox.sh up` in a fresh temp dir. */
export async function startSandbox(): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'tekton-attest-sandbox-'));
  const up = await exec('bash', [sandboxScript, 'up', dir], process.env);
  const readLog = (name: string) => {
    try {
      return readFileSync(join(dir, 'logs', name), 'utf8');
    } catch {
      return '';
    }
  };
  if (up.code !== 0) {
    await exec('bash', [sandboxScript, 'down', dir], process.env);
    throw new Error(
      `sandbox.sh up failed (${up.code}):\n${up.stderr}\n${readLog('sandbox.log').slice(-4000)}`,
    );
  }
  const kubeconfig = join(dir, 'kubeconfig');
  const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
  const run = (cmd: string, args: readonly string[], opts: RunOptions = {}) =>
    exec(cmd, args, { ...env, ...opts.env }, opts.input, opts.cwd);
  const kubectl = async (args: readonly string[], input?: string) => {
    const r = await run('kubectl', args, input === undefined ? {} : { input });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };
  // Objects go to kubectl as JSON: YAML 1.1 would read a string such as `no` back as a boolean.
  const manifest = (objects: KubeObject | KubeObject[] | string) =>
    typeof objects === 'string'
      ? objects
      : JSON.stringify(Array.isArray(objects) ? { apiVersion: 'v1', kind: 'List', items: objects } : objects);
  const sandbox: Sandbox = {
    dir,
    kubeconfig,
    registry: readFileSync(join(dir, 'registry'), 'utf8').trim(),
    env,
    run,
    kubectl,
    async get(kind, name, namespace = 'default') {
      const r = await run('kubectl', ['get', kind, name, '-n', namespace, '-o', 'json']);
      if (r.code !== 0) {
        if (/NotFound/.test(r.stderr)) return undefined;
        throw new Error(`kubectl get ${kind} ${name}: ${r.stderr}`);
      }
      return JSON.parse(r.stdout) as KubeObject;
    },
    async apply(objects, namespace = 'default') {
      await kubectl(['apply', '-n', namespace, '-f', '-'], manifest(objects));
    },
    async create(objects, namespace = 'default') {
      const out = await kubectl(['create', '-n', namespace, '-o', 'json', '-f', '-'], manifest(objects));
      const parsed = JSON.parse(out) as KubeObject;
      return parsed.kind === 'List' ? (parsed.items as KubeObject[]) : [parsed];
    },
    async waitForRun(kind, name, namespace = 'default', timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const obj = await sandbox.get(kind, name, namespace);
        const done = ((obj?.status?.conditions ?? []) as KubeObject[]).find(
          (c) => c.type === 'Succeeded' && c.status !== 'Unknown',
        );
        if (obj && done) return obj;
        if (Date.now() > deadline) {
          throw new Error(
            `${kind} ${namespace}/${name} not done after ${timeoutMs / 1000}s: ${JSON.stringify(obj?.status?.conditions)}\n` +
              `--- sandbox log (tail) ---\n${readLog('sandbox.log').slice(-3000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    logs: () => `${readLog('sandbox.log')}\n--- controller ---\n${readLog('controller.log').slice(-6000)}`,
    async down() {
      const r = await exec('bash', [sandboxScript, 'down', dir], process.env);
      if (r.code !== 0) throw new Error(`sandbox.sh down failed: ${r.stderr}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return sandbox;
}

/** The objects in a YAML file of this repository. */
export function loadYaml(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(join(repoRoot, path), 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}
