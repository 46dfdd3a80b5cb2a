// TaskRun-level artifacts (Chains' artifacts.taskrun.*) and the legacy `tekton` format, under Tekton's own
// controller: attest runs as the finally task, and each sibling TaskRun ends up with Chains' annotations.
// Run 1: the Task's TaskRun defaults (slsa/v1 to tekton): every sibling's payload annotation decodes to the
// statement `payload --taskrun` prints for it, equal to the Chains oracle's; the PipelineRun in `--format
// tekton`, checked with cosign verify-blob. Run 2: `taskrun-format: tekton`, as OpenShift Pipelines' guide
// configures Chains: the signature annotation saved as a file and the payload decoded pass cosign verify-blob.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/run-built-cli.js';
import { chainsPayloads } from '../peers/chains-oracle.js';
import { runCosign } from '../peers/cosign.js';
import type { KubeObject } from '../peers/kube-apiserver.js';
import { RUN_TIMEOUT_MS, type Sandbox, startSandbox } from '../sandbox/sandbox.js';
import { type AttestSetup, installAttestTask } from '../sandbox/setup.js';

const NAMESPACE = 'taskruns';
let sandbox: Sandbox;
let setup: AttestSetup;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  setup = await installAttestTask(sandbox, NAMESPACE);
  dir = await mkdtemp(join(sandbox.dir, 'taskrun-artifacts-'));
}, 600_000);

afterAll(async () => {
  await sandbox?.down();
});

const step = (script: string) => ({ name: 'run', image: 'docker.io/library/busybox:1.36', script });

/** Two tasks with results, and tekton-attest as the finally task with `attestParams`. */
const pipelineRun = (name: string, attestParams: Record<string, string>): KubeObject => ({
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
          name: 'compile',
          taskSpec: {
            results: [{ name: 'commit' }],
            steps: [step('printf bddc864da73307bfe907b4199a0656c5ad5e8147 > $(results.commit.path)')],
          },
        },
        {
          name: 'unit-tests',
          runAfter: ['compile'],
          params: [{ name: 'commit', value: '$(tasks.compile.results.commit)' }],
          taskSpec: { params: [{ name: 'commit' }], steps: [step('echo "testing $(params.commit)"')] },
        },
      ],
      finally: [
        {
          name: 'attest',
          taskRef: { name: 'tekton-attest' },
          params: [
            { name: 'pipelinerun-name', value: '$(context.pipelineRun.name)' },
            { name: 'storage', value: 'tekton' },
            { name: 'mark-signed', value: 'true' },
            ...Object.entries(attestParams).map(([param, value]) => ({ name: param, value })),
          ],
          workspaces: [{ name: 'signing-secrets', workspace: 'signing-secrets' }],
        },
      ],
    },
  },
});

/** The finished run, its attest TaskRun succeeded, and its sibling TaskRuns as the API serves them now. */
async function runToEnd(name: string, attestParams: Record<string, string>) {
  await sandbox.apply(pipelineRun(name, attestParams), NAMESPACE);
  const run = await sandbox.waitForRun('pipelinerun', name, NAMESPACE);
  const children = (run.status.childReferences ?? []) as KubeObject[];
  const attestRef = children.find((c) => c.pipelineTaskName === 'attest');
  const attest = (await sandbox.get('taskrun', attestRef?.name, NAMESPACE)) as KubeObject;
  expect(
    (attest.status.conditions as KubeObject[]).find((c) => c.type === 'Succeeded'),
    sandbox.logs(),
  ).toMatchObject({ status: 'True' });
  const siblings = await Promise.all(
    children
      .filter((c) => c.pipelineTaskName !== 'attest')
      .map(async (c) => (await sandbox.get('taskrun', c.name, NAMESPACE)) as KubeObject),
  );
  expect(siblings.map((t) => t.metadata.labels['tekton.dev/pipelineTask']).sort()).toEqual([
    'compile',
    'unit-tests',
  ]);
  // attest annotates the others, never itself.
  expect(
    Object.keys(attest.metadata.annotations ?? {}).filter((k) => k.startsWith('chains.tekton.dev/')),
  ).toEqual([]);
  return { run: (await sandbox.get('pipelinerun', name, NAMESPACE)) as KubeObject, siblings };
}

/** Chains' annotations of `object` for its kind (`pipelinerun` or `taskrun`). */
function chainsAnnotations(object: KubeObject, kind: 'pipelinerun' | 'taskrun') {
  const annotations = (object.metadata.annotations ?? {}) as Record<string, string>;
  const value = (name: string) => annotations[`chains.tekton.dev/${name}-${kind}-${object.metadata.uid}`];
  return {
    payload: value('payload'),
    signature: value('signature'),
    signed: annotations['chains.tekton.dev/signed'],
  };
}

/** OpenShift Pipelines' check: the signature annotation as a file, the payload decoded, cosign verify-blob. */
async function verifyBlob(label: string, payload: string, signature: string) {
  const payloadFile = join(dir, `${label}.payload`);
  const signatureFile = join(dir, `${label}.signature`);
  await writeFile(payloadFile, Buffer.from(payload, 'base64'));
  await writeFile(signatureFile, signature);
  return runCosign([
    'verify-blob',
    '--key',
    setup.publicKeyFile,
    '--signature',
    signatureFile,
    '--insecure-ignore-tlog',
    payloadFile,
  ]);
}

describe("TaskRun-level artifacts (Chains' artifacts.taskrun.*) as the finally task", () => {
  it(
    "defaults: each sibling TaskRun holds the statement payload --taskrun prints and Chains makes; the PipelineRun's tekton format passes cosign verify-blob",
    async () => {
      const { run, siblings } = await runToEnd('taskrun-defaults', { format: 'tekton' });
      for (const taskRun of siblings) {
        const { payload, signature, signed } = chainsAnnotations(taskRun, 'taskrun');
        expect(signed).toBe('true');
        const statement = Buffer.from(payload ?? '', 'base64').toString('utf8');
        const envelope = JSON.parse(Buffer.from(signature ?? '', 'base64').toString()) as { payload: string };
        expect(envelope.payload).toBe(payload);
        const file = join(dir, `${taskRun.metadata.name}.json`);
        await writeFile(file, JSON.stringify(taskRun));
        const printed = await runCli(['payload', '--taskrun', file, '--format', 'slsa/v1']);
        expect(printed.code, printed.stderr).toBe(0);
        expect(statement).toBe(printed.stdout.replace(/\n$/, ''));
        const [oracle] = await chainsPayloads([
          { id: taskRun.metadata.name, taskRun, configs: [{ format: 'slsa/v1' }] },
        ]);
        expect(JSON.parse(statement)).toEqual(JSON.parse(oracle?.payloads?.[0]?.payload ?? 'null'));
      }
      // --format tekton: the PipelineRun's status when attest signed it (Running, attest itself still going).
      const legacy = chainsAnnotations(run, 'pipelinerun');
      expect(legacy.signed).toBe('true');
      const status = JSON.parse(Buffer.from(legacy.payload ?? '', 'base64').toString());
      expect(status.pipelineSpec.tasks.map((t: KubeObject) => t.name)).toEqual(['compile', 'unit-tests']);
      const verified = await verifyBlob('pipelinerun', legacy.payload ?? '', legacy.signature ?? '');
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stderr).toContain('Verified OK');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "taskrun-format tekton (OpenShift Pipelines' guide): each sibling TaskRun's status, signed raw, passes cosign verify-blob",
    async () => {
      const { siblings } = await runToEnd('taskrun-tekton-format', { 'taskrun-format': 'tekton' });
      for (const taskRun of siblings) {
        const { payload, signature, signed } = chainsAnnotations(taskRun, 'taskrun');
        expect(signed).toBe('true');
        expect(JSON.parse(Buffer.from(payload ?? '', 'base64').toString())).toEqual(taskRun.status);
        const verified = await verifyBlob(taskRun.metadata.name, payload ?? '', signature ?? '');
        expect(verified.code, verified.stderr).toBe(0);
        expect(verified.stderr).toContain('Verified OK');
      }
    },
    RUN_TIMEOUT_MS,
  );
});
