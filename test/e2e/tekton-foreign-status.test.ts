// Tamper evidence under Tekton's own controller: while a PipelineRun is still going, a TaskRun's result is
// rewritten through the status subresource by another field manager. attest refuses that run by default,
// naming the TaskRun, the field and the manager; with allow-foreign-status it signs and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../peers/kube-apiserver.js';
import { RUN_TIMEOUT_MS, type Sandbox, startSandbox } from '../sandbox/sandbox.js';
import { installAttestTask, statementFromAnnotations } from '../sandbox/setup.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
}, 600_000);

afterAll(async () => {
  await sandbox?.down();
});

const NAMESPACE = 'forgery';
const GENUINE = `sha256:${'1'.repeat(64)}`;
const FORGED = `sha256:${'f'.repeat(64)}`;

const step = (script: string) => ({ name: 'run', image: 'docker.io/library/busybox:1.36', script });

function pipelineRun(name: string, attestParams: { name: string; value: string }[] = []): KubeObject {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { name },
    spec: {
      taskRunTemplate: { serviceAccountName: 'pipeline' },
      workspaces: [{ name: 'signing-secrets', secret: { secretName: 'signing-secrets' } }],
      pipelineSpec: {
        workspaces: [{ name: 'signing-secrets' }],
        tasks: [
          {
            name: 'build',
            taskSpec: {
              results: [{ name: 'IMAGE_URL' }, { name: 'IMAGE_DIGEST' }],
              steps: [
                step(
                  `printf registry.example.com/team/app > $(results.IMAGE_URL.path); printf ${GENUINE} > $(results.IMAGE_DIGEST.path)`,
                ),
              ],
            },
          },
          // Keeps the run going while the test rewrites build's status.
          { name: 'scan', taskSpec: { steps: [step('sleep 25')] } },
        ],
        finally: [
          {
            name: 'attest',
            taskRef: { name: 'tekton-attest' },
            params: [
              { name: 'pipelinerun-name', value: '$(context.pipelineRun.name)' },
              { name: 'storage', value: 'tekton' },
              // registry.example.com is no registry here: no image signatures (on by default).
              { name: 'sign-images', value: 'false' },
              ...attestParams,
            ],
            workspaces: [{ name: 'signing-secrets', workspace: 'signing-secrets' }],
          },
        ],
      },
    },
  };
}

const succeeded = (run: KubeObject | undefined) =>
  ((run?.status?.conditions ?? []) as KubeObject[]).find((c) => c.type === 'Succeeded');

async function taskRunOf(run: string, pipelineTask: string): Promise<KubeObject> {
  const out = await sandbox.kubectl([
    'get',
    'taskruns',
    '-n',
    NAMESPACE,
    '-o',
    'json',
    '-l',
    `tekton.dev/pipelineRun=${run},tekton.dev/pipelineTask=${pipelineTask}`,
  ]);
  const [taskRun] = (JSON.parse(out) as KubeObject).items as KubeObject[];
  if (!taskRun) throw new Error(`no TaskRun for ${pipelineTask} of ${run}`);
  return taskRun;
}

/** Waits for build to finish (scan still sleeping), then rewrites its IMAGE_DIGEST as field manager "forger". */
async function forgeBuildResult(run: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const build = await taskRunOf(run, 'build').catch(() => undefined);
    if (build && succeeded(build)?.status === 'True') return forge(run, build);
    if (Date.now() > deadline) throw new Error(`build of ${run} did not succeed: ${sandbox.logs()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function forge(run: string, build: KubeObject): Promise<string> {
  const name = build.metadata.name as string;
  const results = (build.status.results as KubeObject[]).map((r) =>
    r.name === 'IMAGE_DIGEST' ? { ...r, value: FORGED } : r,
  );
  // The controller may still write the finished TaskRun's status once more (its results too, taking
  // status.results back): the forgery is made again until it holds for 2 s, as a forger would.
  for (let attempt = 1; ; attempt++) {
    await sandbox.kubectl([
      'patch',
      'taskrun',
      name,
      '-n',
      NAMESPACE,
      '--subresource=status',
      '--type=merge',
      '--field-manager=forger',
      '-p',
      JSON.stringify({ status: { results } }),
    ]);
    await new Promise((r) => setTimeout(r, 2000));
    const now = await sandbox.get('taskrun', name, NAMESPACE);
    const digest = ((now?.status.results ?? []) as KubeObject[]).find(
      (r) => r.name === 'IMAGE_DIGEST',
    )?.value;
    if (digest === FORGED) break;
    if (attempt === 5) throw new Error(`the forged IMAGE_DIGEST of ${name} did not hold: ${digest}`);
  }
  const pipelineRun = await sandbox.get('pipelinerun', run, NAMESPACE);
  expect(succeeded(pipelineRun)?.status, 'the run is still going when its status is forged').toBe('Unknown');
  return name;
}

describe('a TaskRun status written by another field manager while the run goes on', () => {
  it(
    'attest refuses it naming the TaskRun, the field and the manager; allow-foreign-status signs and records it',
    async () => {
      await installAttestTask(sandbox, NAMESPACE);
      await sandbox.apply(
        [pipelineRun('refused'), pipelineRun('allowed', [{ name: 'allow-foreign-status', value: 'true' }])],
        NAMESPACE,
      );
      const [refusedBuild, allowedBuild] = await Promise.all([
        forgeBuildResult('refused'),
        forgeBuildResult('allowed'),
      ]);

      const refused = await sandbox.waitForRun('pipelinerun', 'refused', NAMESPACE);
      const refusedAttest = await taskRunOf('refused', 'attest');
      expect(succeeded(refusedAttest), sandbox.logs()).toMatchObject({ status: 'False' });
      const log = await sandbox.kubectl([
        'logs',
        '-n',
        NAMESPACE,
        refusedAttest.status.podName,
        '-c',
        'step-attest',
      ]);
      expect(log).toContain(
        `TaskRun ${NAMESPACE}/${refusedBuild}: status.results was last written by field manager "forger"`,
      );
      expect(log).toContain('--allow-foreign-status');
      expect(
        Object.keys(refused.metadata.annotations ?? {}).some((k) => k.startsWith('chains.tekton.dev/')),
      ).toBe(false);

      const allowed = await sandbox.waitForRun('pipelinerun', 'allowed', NAMESPACE);
      const allowedAttest = await taskRunOf('allowed', 'attest');
      expect(succeeded(allowedAttest), sandbox.logs()).toMatchObject({ status: 'True' });
      const foreign = (allowedAttest.status.results as KubeObject[]).find((r) => r.name === 'FOREIGN_STATUS');
      expect(JSON.parse(foreign?.value)).toEqual([
        { kind: 'TaskRun', name: allowedBuild, field: 'status.results', manager: 'forger' },
      ]);
      const summary = await sandbox.kubectl([
        'logs',
        '-n',
        NAMESPACE,
        allowedAttest.status.podName,
        '-c',
        'step-attest',
      ]);
      expect(summary).toMatch(/WARNING +status NOT written by Tekton's controller/);
      expect(summary).toContain(`TaskRun ${allowedBuild} status.results by forger`);
      // Signed and stored all the same (the run's provenance in Chains' annotations).
      expect(statementFromAnnotations(allowed).predicateType).toBe('https://slsa.dev/provenance/v1');
    },
    RUN_TIMEOUT_MS,
  );
});
