// README.md's "Use it in a Pipeline", step by step, on a local Tekton (scripts/sandbox.sh): Tekton's own
// controller runs the TEP-0084 example pipeline (task/examples/) with tekton-attest in `finally`, and cosign
// verifies what it stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCosign } from '../peers/cosign.js';
import type { KubeObject } from '../peers/kube-apiserver.js';
import { type Sandbox, startSandbox } from '../sandbox/sandbox.js';
import {
  type AttestSetup,
  examplePipelineRun,
  installAttestTask,
  installExamplePipeline,
  statementFromAnnotations,
} from '../sandbox/setup.js';

let sandbox: Sandbox;
let setup: AttestSetup;

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
  it('succeeds, attests every executed task, and cosign verifies the image attestation', async () => {
    const [created] = await sandbox.create(examplePipelineRun(sandbox));
    const name = created?.metadata.name as string;
    const run = await sandbox.waitForRun('pipelinerun', name);
    const succeeded = (run.status.conditions as KubeObject[]).find((c) => c.type === 'Succeeded');
    expect(succeeded, sandbox.logs()).toMatchObject({ status: 'True' });

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
    expect(storage.map((s) => [s.backend, s.ok])).toEqual([
      ['tekton', true],
      ['oci', true],
    ]);

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
    const text = JSON.stringify(statement);
    for (const task of ['git-clone', 'source-security-scan', 'image-build', 'image-security-scan']) {
      const taskRun = children.find((c) => c.pipelineTaskName === task);
      expect(text, `statement lists ${task}`).toContain(taskRun?.name);
    }
    expect(text, 'the attest task does not attest itself').not.toContain(attestRef?.name);
  });
});
