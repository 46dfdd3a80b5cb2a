// README.md's "Use it in a Pipeline", step by step, on a local Tekton (scripts/sandbox.sh): Tekton's own
// controller runs the TEP-0084 example pipeline (task/examples/) with tekton-attest in `finally`, and cosign
// verifies what it stored.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCosign } from '../peers/cosign.js';
import type { KubeObject } from '../peers/kube-apiserver.js';
import { repoRoot } from '../peers/versions.js';
import { RUN_TIMEOUT_MS, type Sandbox, startSandbox } from '../sandbox/sandbox.js';
import {
  type AttestSetup,
  examplePipelineRun,
  installAttestTask,
  installExamplePipeline,
  statementFromAnnotations,
} from '../sandbox/setup.js';

let sandbox: Sandbox;
let setup: AttestSetup;
/** The example PipelineRun the first test ran (the later ones attest it again, other ways). */
let finished: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  setup = await installAttestTask(sandbox);
  await installExamplePipeline(sandbox);
}, 600_000);

afterAll(async () => {
  await sandbox?.down();
});

const result = (run: KubeObject, name: string) =>
  ((run.status?.results ?? []) as Array<{ name: string; value: unknown }>).find((r) => r.name === name)
    ?.value;

describe('the example pipeline with tekton-attest in finally, under the real Tekton controller', () => {
  it(
    'succeeds, attests every executed task, and cosign verifies the image attestation and signature',
    async () => {
      const [created] = await sandbox.create(examplePipelineRun(sandbox));
      const name = created?.metadata.name as string;
      const run = await sandbox.waitForRun('pipelinerun', name);
      finished = name;
      const succeeded = (run.status.conditions as KubeObject[]).find((c) => c.type === 'Succeeded');
      expect(succeeded, sandbox.logs()).toMatchObject({ status: 'True' });

      // README: `tkn pr logs -f` shows every task's log (through the kubelet API), attest's summary last.
      const logs = await sandbox.run('tkn', ['pr', 'logs', '-f', name]);
      expect(logs.code, logs.stderr).toBe(0);
      expect(logs.stdout).toContain('[image-build : build-and-push] buildah: pushed');
      expect(logs.stdout).toContain('[attest : attest] tekton-attest summary');

      // The attest TaskRun set its results.
      const children = run.status.childReferences as KubeObject[];
      const attestRef = children.find((c) => c.pipelineTaskName === 'attest');
      const attest = await sandbox.get('taskrun', attestRef?.name);
      expect(result(attest as KubeObject, 'ATTESTATION_DIGEST')).toMatch(/^sha256:[0-9a-f]{64}$/);
      const imageUrl = result(run, 'IMAGE_URL') as string;
      const imageDigest = result(run, 'IMAGE_DIGEST') as string;
      expect(imageUrl).toBe(`${sandbox.registry}/team/app:latest`);
      expect(JSON.parse(result(attest as KubeObject, 'SUBJECTS') as string)).toEqual([
        { name: `${sandbox.registry}/team/app`, digest: { sha256: imageDigest.replace('sha256:', '') } },
      ]);
      const storage = JSON.parse(result(attest as KubeObject, 'STORAGE') as string) as KubeObject[];
      expect(storage.slice(0, 3).map((s) => [s.backend, s.artifact, s.run, s.ok])).toEqual([
        ['tekton', undefined, undefined, true],
        ['oci', undefined, undefined, true],
        ['oci', 'image signatures', undefined, true],
      ]);
      // Then each sibling TaskRun's own attestation (Chains' artifacts.taskrun default: tekton).
      const siblings = (run.status.childReferences as KubeObject[]).filter(
        (c) => c.pipelineTaskName !== 'attest',
      );
      expect(storage.slice(3).map((s) => [s.backend, s.run, s.ok])).toEqual(
        expect.arrayContaining(siblings.map((c) => ['tekton', `TaskRun ${c.name}`, true])),
      );
      expect(storage.length).toBe(3 + siblings.length);

      // cosign accepts the attestation stored next to the image.
      const verified = await runCosign([
        'verify-attestation',
        '--key',
        setup.publicKeyFile,
        '--type',
        'slsaprovenance1',
        '--insecure-ignore-tlog',
        `${sandbox.registry}/team/app@${imageDigest}`,
      ]);
      expect(verified.code, verified.stderr).toBe(0);
      // README: the image signature, written by default (the build TaskRun's IMAGE_URL/IMAGE_DIGEST).
      const signed = await runCosign([
        'verify',
        '--key',
        setup.publicKeyFile,
        '--insecure-ignore-tlog',
        `${sandbox.registry}/team/app:latest`,
      ]);
      expect(signed.code, signed.stderr).toBe(0);

      // Chains' annotations on the PipelineRun, and what the statement says.
      const annotations = run.metadata.annotations as Record<string, string>;
      const uid = run.metadata.uid as string;
      expect(Object.keys(annotations)).toEqual(
        expect.arrayContaining([
          `chains.tekton.dev/payload-pipelinerun-${uid}`,
          `chains.tekton.dev/signature-pipelinerun-${uid}`,
        ]),
      );
      const statement = statementFromAnnotations(run);
      expect(statement.subject).toEqual([
        { name: `${sandbox.registry}/team/app`, digest: { sha256: imageDigest.replace('sha256:', '') } },
      ]);
      // Every executed task is in it (its step images are resolved dependencies), the attest task is not.
      const text = JSON.stringify(statement.predicate.buildDefinition.resolvedDependencies);
      const stepDigests = async (taskRunName: string) => {
        const taskRun = (await sandbox.get('taskrun', taskRunName)) as KubeObject;
        return (taskRun.status.steps as KubeObject[]).map(
          (step) => String(step.imageID).split('@sha256:')[1],
        );
      };
      for (const task of ['git-clone', 'source-security-scan', 'image-build', 'image-security-scan']) {
        const taskRun = children.find((c) => c.pipelineTaskName === task);
        for (const digest of await stepDigests(taskRun?.name))
          expect(text, `${task} step image`).toContain(digest);
      }
      for (const digest of await stepDigests(attestRef?.name))
        expect(text, 'attest step image').not.toContain(digest);
      // The pipeline results Tekton wrote when the run ended are the ones the statement carries.
      const byproducts = statement.predicate.runDetails.byproducts as KubeObject[];
      for (const name of ['CHAINS-GIT_URL', 'CHAINS-GIT_COMMIT']) {
        const carried = byproducts.find(
          (b) => b.name === `pipelineRunResults/${name}` || b.name.endsWith(`/${name}`),
        );
        expect(JSON.parse(Buffer.from(carried?.content, 'base64').toString()), name).toBe(result(run, name));
      }
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'tkn task start attests the finished PipelineRun, as task/examples/tkn-task-start.sh does',
    async () => {
      expect(finished).toBeDefined();
      const started = await sandbox.run('bash', [
        join(repoRoot, 'task/examples/tkn-task-start.sh'),
        finished,
      ]);
      expect(started.code, `${started.stdout}\n${started.stderr}`).toBe(0);
      // --showlog streams the step's log through the kubelet API: the attest summary ends it.
      expect(started.stdout).toContain(finished);
      const runs = JSON.parse(
        await sandbox.kubectl(['get', 'taskruns', '-l', 'tekton.dev/task=tekton-attest', '-o', 'json']),
      );
      const standalone = (runs.items as KubeObject[]).filter(
        (tr) => !tr.metadata.labels?.['tekton.dev/pipelineRun'],
      );
      expect(standalone).toHaveLength(1);
      const taskRun = standalone[0] as KubeObject;
      expect((taskRun.status.conditions as KubeObject[])[0]).toMatchObject({
        type: 'Succeeded',
        status: 'True',
      });
      expect(JSON.parse(result(taskRun, 'SUBJECTS') as string)).toHaveLength(1);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'runs the Task from a Tekton Bundle pushed by tekton-attest bundle push, resolved by the bundles resolver',
    async () => {
      expect(finished).toBeDefined();
      const pushed = await sandbox.run('tekton-attest', [
        'bundle',
        'push',
        `${sandbox.registry}/tekton-attest/catalog/tekton-attest:0.1`,
      ]);
      expect(pushed.code, pushed.stderr).toBe(0);
      const reference = pushed.stdout.trim();
      const text = readFileSync(join(repoRoot, 'task/examples/taskrun-bundle.yaml'), 'utf8')
        .replace('ghcr.io/tekton-attest/catalog/tekton-attest:0.1', reference)
        .replace('simple-build-run-abcde', finished);
      const [created] = await sandbox.create(text);
      const taskRun = await sandbox.waitForRun('taskrun', created?.metadata.name);
      expect((taskRun.status.conditions as KubeObject[])[0], sandbox.logs()).toMatchObject({
        status: 'True',
      });
      // Tekton recorded where the Task came from: the bundle's repository and manifest digest.
      const [repository, digest] = reference.split('@') as [string, string];
      expect(taskRun.status.provenance.refSource).toMatchObject({
        uri: repository.replace(/:0\.1$/, ''),
        digest: { sha256: digest.replace('sha256:', '') },
        entryPoint: 'tekton-attest',
      });
      expect(result(taskRun, 'ATTESTATION_DIGEST')).toMatch(/^sha256:/);
    },
    RUN_TIMEOUT_MS,
  );
});
