// Runs as they happen, under Tekton's own controller: a failing build task, a `when`-skipped task, a matrix
// task, a task retried once and a sibling finally task still running when attest starts; and a namespace
// without the Role, where attest fails and says which Role grants what it lacks.
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

const step = (name: string, script: string) => ({ name, image: 'docker.io/library/busybox:1.36', script });
const taskSpec = (script: string, extra: KubeObject = {}) => ({ ...extra, steps: [step('run', script)] });

/** A pipeline whose run goes every way a real one can. */
const pipelineRun = (name: string): KubeObject => ({
  apiVersion: 'tekton.dev/v1',
  kind: 'PipelineRun',
  metadata: { name },
  spec: {
    taskRunTemplate: { serviceAccountName: 'pipeline' },
    workspaces: [
      {
        name: 'scratch',
        volumeClaimTemplate: {
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } },
        },
      },
      { name: 'signing-secrets', secret: { secretName: 'signing-secrets' } },
    ],
    pipelineSpec: {
      workspaces: [{ name: 'scratch' }, { name: 'signing-secrets' }],
      tasks: [
        {
          name: 'checkout',
          // A sidecar that would run forever: Tekton stops it (nop image) when the steps are done.
          taskSpec: taskSpec('echo checked out', {
            sidecars: [{ name: 'cache', image: 'docker.io/library/redis:7', script: 'sleep 3600' }],
          }),
        },
        {
          name: 'lint',
          when: [{ input: 'skip', operator: 'in', values: ['run'] }],
          taskSpec: taskSpec('echo never runs'),
        },
        {
          name: 'unit-tests',
          runAfter: ['checkout'],
          matrix: { params: [{ name: 'platform', value: ['linux/amd64', 'linux/arm64'] }] },
          taskSpec: {
            params: [{ name: 'platform' }],
            steps: [
              {
                ...step('run', 'echo "testing on $PLATFORM"'),
                env: [{ name: 'PLATFORM', value: '$(params.platform)' }],
              },
            ],
          },
        },
        {
          name: 'flaky-integration',
          runAfter: ['checkout'],
          retries: 1,
          workspaces: [{ name: 'scratch', workspace: 'scratch' }],
          taskSpec: taskSpec(
            // Fails the first time, passes on the retry (the marker survives in the shared workspace).
            'if [ -f "$(workspaces.scratch.path)/tried" ]; then echo passed on retry; else touch "$(workspaces.scratch.path)/tried"; echo flaked >&2; exit 1; fi',
            { workspaces: [{ name: 'scratch' }] },
          ),
        },
        {
          name: 'build',
          runAfter: ['unit-tests', 'flaky-integration'],
          taskSpec: taskSpec('echo "compiler error" >&2; exit 2'),
        },
      ],
      finally: [
        { name: 'notify', taskSpec: taskSpec('sleep 8; echo "pipeline $(tasks.status)"') },
        {
          name: 'attest',
          taskRef: { name: 'tekton-attest' },
          params: [
            { name: 'pipelinerun-name', value: '$(context.pipelineRun.name)' },
            { name: 'storage', value: 'tekton' },
            // SLSA v0.2: buildConfig.tasks names every attested pipeline task with its status.
            { name: 'format', value: 'slsa/v1' },
          ],
          workspaces: [{ name: 'signing-secrets', workspace: 'signing-secrets' }],
        },
      ],
    },
  },
});

const taskRunsOf = (run: KubeObject, pipelineTask: string) =>
  ((run.status.childReferences ?? []) as KubeObject[]).filter((c) => c.pipelineTaskName === pipelineTask);

describe('a PipelineRun as it happens', () => {
  it(
    'attests the failed build, the matrix, the retried task and the still-running finally sibling, not the skipped task',
    async () => {
      await installAttestTask(sandbox, 'runs');
      await sandbox.apply(pipelineRun('everything'), 'runs');
      const run = await sandbox.waitForRun('pipelinerun', 'everything', 'runs');

      const succeeded = (run.status.conditions as KubeObject[]).find((c) => c.type === 'Succeeded');
      expect(succeeded).toMatchObject({ status: 'False', reason: 'Failed' });
      expect((run.status.skippedTasks as KubeObject[]).map((t) => t.name)).toContain('lint');
      expect(taskRunsOf(run, 'lint')).toEqual([]);
      const [attestRef] = taskRunsOf(run, 'attest');
      const attest = (await sandbox.get('taskrun', attestRef?.name, 'runs')) as KubeObject;
      expect(
        (attest.status.conditions as KubeObject[]).find((c) => c.type === 'Succeeded'),
        sandbox.logs(),
      ).toMatchObject({ status: 'True' });

      const [checkoutRef] = taskRunsOf(run, 'checkout');
      const checkout = (await sandbox.get('taskrun', checkoutRef?.name, 'runs')) as KubeObject;
      const checkoutPod = (await sandbox.get('pod', checkout.status.podName, 'runs')) as KubeObject;
      expect(checkoutPod.status.phase).toBe('Succeeded');
      const sidecar = (checkoutPod.status.containerStatuses as KubeObject[]).find(
        (c) => c.name === 'sidecar-cache',
      );
      expect(sidecar?.state.terminated).toMatchObject({ exitCode: 0 });

      const matrix = taskRunsOf(run, 'unit-tests');
      expect(matrix).toHaveLength(2);
      const [flakyRef] = taskRunsOf(run, 'flaky-integration');
      const flaky = (await sandbox.get('taskrun', flakyRef?.name, 'runs')) as KubeObject;
      expect(flaky.status.retriesStatus).toHaveLength(1);
      const [notifyRef] = taskRunsOf(run, 'notify');
      const notify = (await sandbox.get('taskrun', notifyRef?.name, 'runs')) as KubeObject;
      // notify was still running when attest started: attest waited for it.
      expect(Date.parse(notify.status.completionTime)).toBeGreaterThan(Date.parse(attest.status.startTime));

      const statement = statementFromAnnotations(run);
      const tasks = statement.predicate.buildConfig.tasks as KubeObject[];
      expect(tasks.map((t) => t.name).sort()).toEqual(
        ['build', 'checkout', 'flaky-integration', 'notify', 'unit-tests', 'unit-tests'].sort(),
      );
      expect(tasks.find((t) => t.name === 'build')?.status).toBe('Failed');
      expect(tasks.find((t) => t.name === 'flaky-integration')?.status).toBe('Succeeded');
      expect(tasks.find((t) => t.name === 'notify')?.status).toBe('Succeeded');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'without the Role, the attest TaskRun fails and its log names the verb, the resource and the Role',
    async () => {
      await installAttestTask(sandbox, 'no-role', { rbac: false });
      const run = pipelineRun('unauthorized');
      run.spec.pipelineSpec.tasks = [{ name: 'checkout', taskSpec: taskSpec('echo checked out') }];
      run.spec.pipelineSpec.finally = run.spec.pipelineSpec.finally.filter(
        (t: KubeObject) => t.name === 'attest',
      );
      await sandbox.apply(run, 'no-role');
      const done = await sandbox.waitForRun('pipelinerun', 'unauthorized', 'no-role');
      const [attestRef] = taskRunsOf(done, 'attest');
      const attest = (await sandbox.get('taskrun', attestRef?.name, 'no-role')) as KubeObject;
      expect((attest.status.conditions as KubeObject[]).find((c) => c.type === 'Succeeded')).toMatchObject({
        status: 'False',
      });
      const logs = await sandbox.kubectl([
        'logs',
        '-n',
        'no-role',
        attest.status.podName,
        '-c',
        'step-attest',
      ]);
      expect(logs).toMatch(/\bget\b/);
      expect(logs).toContain('pipelineruns');
      expect(logs).toContain('Role "tekton-attest"');
      expect(logs).toContain('task/rbac.yaml');
    },
    RUN_TIMEOUT_MS,
  );
});
