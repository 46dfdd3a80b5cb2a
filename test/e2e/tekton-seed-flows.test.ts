// The verification guides Chains users follow, run literally against what the attest finally task produced
// under Tekton's own controller (issue 13 part 4): real cosign (reading the key Secret from the sandbox's
// kube-apiserver through a kubeconfig, as `k8s://NS/signing-secrets` does), real registry, real tkn.
// - FRSCA dual storage: `artifacts.taskrun.format: slsa/v1`, `artifacts.taskrun.storage: tekton,oci`,
//   `artifacts.oci.format: simplesigning`;
// - OpenShift Pipelines' guide: `artifacts.taskrun.format: tekton`, `artifacts.taskrun.storage: tekton`;
// - Kurator's and Chains' launch guide: `transparency.enabled: true`, TaskRun provenance in oci.
// cosign 2+ looks signatures up in Rekor unless told not to: with transparency off, the commands carry
// --insecure-ignore-tlog, as they would with Chains (docs/chains-guides.md).
// The guides read "the last TaskRun" (`tkn tr describe --last`): under Chains that is the build, signed after
// the fact; here the last TaskRun is attest itself, which signs its siblings and never itself, so the tests
// name the build TaskRun instead.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type SigstoreStack, startSigstore } from '../harness/sigstore.js';
import { runCosign } from '../peers/cosign.js';
import type { KubeObject } from '../peers/kube-apiserver.js';
import { RUN_TIMEOUT_MS, type Sandbox, startSandbox } from '../sandbox/sandbox.js';
import { examplePipelineRun, installAttestTask, installExamplePipeline } from '../sandbox/setup.js';

let sandbox: Sandbox;
let sigstore: SigstoreStack;

beforeAll(async () => {
  sandbox = await startSandbox();
  sigstore = await startSigstore();
}, 600_000);

afterAll(async () => {
  await sandbox?.down();
  await sigstore?.stop();
});

interface FinishedRun {
  run: KubeObject;
  /** IMAGE_URL@IMAGE_DIGEST of the pipeline's results. */
  image: string;
  /** The TaskRun of the example pipeline's image-build task. */
  build: KubeObject;
  publicKeyFile: string;
}

/**
 * README's "Use it in a Pipeline" in a fresh namespace, with the example pipeline's own params
 * (`attest-*`) and extra params of the attest finally task; runs task/examples/pipelinerun.yaml to the end.
 */
async function runExamplePipeline(
  namespace: string,
  pipelineParams: Record<string, string>,
  attestParams: Record<string, string>,
): Promise<FinishedRun> {
  const { publicKeyFile } = await installAttestTask(sandbox, namespace);
  await installExamplePipeline(sandbox, namespace, attestParams);
  const pipelineRun = parse(examplePipelineRun(sandbox)) as KubeObject;
  for (const [name, value] of Object.entries(pipelineParams)) pipelineRun.spec.params.push({ name, value });
  const [created] = await sandbox.create(pipelineRun, namespace);
  const run = await sandbox.waitForRun('pipelinerun', created?.metadata.name, namespace);
  expect((run.status.conditions as KubeObject[])[0], sandbox.logs()).toMatchObject({ status: 'True' });
  const result = (name: string) => (run.status.results as KubeObject[]).find((r) => r.name === name)?.value;
  const buildName = (run.status.childReferences as KubeObject[]).find(
    (c) => c.pipelineTaskName === 'image-build',
  )?.name;
  const build = await sandbox.get('taskrun', buildName, namespace);
  if (!build) throw new Error(`no image-build TaskRun ${buildName} in ${namespace}`);
  const image = `${String(result('IMAGE_URL')).replace(/:[^/:]*$/, '')}@${result('IMAGE_DIGEST')}`;
  return { run, image, build, publicKeyFile };
}

/** `tkn taskrun describe NAME -o jsonpath=...` for one Chains annotation of the TaskRun. */
async function taskRunAnnotation(namespace: string, taskRun: KubeObject, prefix: string): Promise<string> {
  const key = `chains.tekton.dev/${prefix}-taskrun-${taskRun.metadata.uid}`.replaceAll('.', '\\.');
  // biome-ignore format: tkn arguments as the guides print them
  const described = await sandbox.run('tkn', [
    'taskrun', 'describe', taskRun.metadata.name, '-n', namespace, '-o', `jsonpath={.metadata.annotations.${key}}`,
  ]);
  expect(described.code, described.stderr).toBe(0);
  expect(described.stdout, `${prefix}-taskrun annotation of ${taskRun.metadata.name}`).not.toBe('');
  return described.stdout;
}

/** The payloads `cosign verify-attestation` printed (one DSSE envelope per line), decoded. */
function verifiedStatements(stdout: string): KubeObject[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map(
      (line) => JSON.parse(Buffer.from(JSON.parse(line).payload, 'base64').toString('utf8')) as KubeObject,
    );
}

/** `tekton-attest payload --taskrun` of the TaskRun as stored, less the annotations attest itself added. */
async function offlineTaskRunStatement(taskRun: KubeObject, format: string): Promise<KubeObject> {
  const copy = structuredClone(taskRun);
  for (const key of Object.keys(copy.metadata.annotations ?? {})) {
    if (key.startsWith('chains.tekton.dev/')) delete copy.metadata.annotations[key];
  }
  const file = join(mkdtempSync(join(sandbox.dir, 'taskrun-')), 'taskrun.json');
  writeFileSync(file, JSON.stringify(copy));
  const printed = await sandbox.run('tekton-attest', ['payload', '--taskrun', file, '--format', format]);
  expect(printed.code, printed.stderr).toBe(0);
  return JSON.parse(printed.stdout) as KubeObject;
}

describe('FRSCA: TaskRun provenance in tekton and oci, image signatures, key in k8s://NS/signing-secrets', () => {
  it(
    'cosign verify and verify-attestation --type slsaprovenance pass; the build TaskRun is signed',
    async () => {
      const namespace = 'frsca-flow';
      const { image, build } = await runExamplePipeline(
        namespace,
        { 'attest-storage': 'tekton,oci', 'attest-sign-images': 'true' },
        { 'taskrun-format': 'slsa/v1', 'taskrun-storage': 'tekton,oci', 'mark-signed': 'true' },
      );
      const key = `k8s://${namespace}/signing-secrets`;
      const env = { env: { KUBECONFIG: sandbox.kubeconfig } };
      const signature = await runCosign(['verify', '--insecure-ignore-tlog', '--key', key, image], env);
      expect(signature.code, signature.stderr).toBe(0);
      // biome-ignore format: the guide's command line
      const attestation = await runCosign([
        'verify-attestation', '--insecure-ignore-tlog', '--type', 'slsaprovenance', '--key', key, image,
      ], env);
      expect(attestation.code, attestation.stderr).toBe(0);
      // The example's PipelineRun provenance is SLSA v1.0 (slsa/v2alpha4): what matched slsaprovenance (v0.2)
      // is the build TaskRun's own statement.
      const statements = verifiedStatements(attestation.stdout);
      expect(statements.map((s) => s.predicate.buildType)).toEqual(['tekton.dev/v1/TaskRun']);

      const stored = (await sandbox.get('taskrun', build.metadata.name, namespace)) as KubeObject;
      expect(stored.metadata.annotations['chains.tekton.dev/signed']).toBe('true');
      const payload = await taskRunAnnotation(namespace, stored, 'payload');
      const statement = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as KubeObject;
      expect(statement).toEqual(statements[0]);
      expect(statement).toEqual(await offlineTaskRunStatement(stored, 'slsa/v1'));
    },
    RUN_TIMEOUT_MS,
  );
});

describe("OpenShift Pipelines' guide: the tekton format in the TaskRun's annotations", () => {
  it(
    'the signature and payload annotations saved as files pass cosign verify-blob --key k8s://NS/signing-secrets',
    async () => {
      const namespace = 'openshift-flow';
      const { build } = await runExamplePipeline(
        namespace,
        { 'attest-storage': 'tekton' },
        { 'taskrun-format': 'tekton', 'taskrun-storage': 'tekton' },
      );
      const dir = mkdtempSync(join(sandbox.dir, 'openshift-'));
      writeFileSync(join(dir, 'signature'), await taskRunAnnotation(namespace, build, 'signature'));
      const payload = Buffer.from(await taskRunAnnotation(namespace, build, 'payload'), 'base64');
      writeFileSync(join(dir, 'payload'), payload);
      // biome-ignore format: the guide's command line
      const verified = await runCosign([
        'verify-blob', '--insecure-ignore-tlog', '--key', `k8s://${namespace}/signing-secrets`,
        '--signature', './signature', './payload',
      ], { cwd: dir, env: { KUBECONFIG: sandbox.kubeconfig } });
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stderr).toContain('Verified OK');
      // The tekton format is the TaskRun's status, as the run ended.
      const status = JSON.parse(readFileSync(join(dir, 'payload'), 'utf8')) as KubeObject;
      expect(status.podName).toBe(build.status.podName);
      expect(status.results).toEqual(build.status.results);
    },
    RUN_TIMEOUT_MS,
  );
});

describe("Kurator's and Chains' launch guide: transparency on, TaskRun provenance in oci", () => {
  it(
    'cosign verify and verify-attestation --key cosign.pub pass with the test Rekor in the trusted root',
    async () => {
      const namespace = 'launch-flow';
      const { run, image, publicKeyFile } = await runExamplePipeline(
        namespace,
        { 'attest-storage': 'oci', 'attest-transparency': 'true', 'attest-sign-images': 'true' },
        { 'taskrun-format': 'slsa/v1', 'taskrun-storage': 'oci', 'rekor-url': sigstore.rekorUrl },
      );
      const trust = ['--key', publicKeyFile, '--trusted-root', sigstore.trustedRootPath];
      const signature = await runCosign(['verify', ...trust, image]);
      expect(signature.code, signature.stderr).toBe(0);
      const attestation = await runCosign([
        'verify-attestation',
        ...trust,
        '--type',
        'slsaprovenance',
        image,
      ]);
      expect(attestation.code, attestation.stderr).toBe(0);
      expect(verifiedStatements(attestation.stdout).map((s) => s.predicate.buildType)).toEqual([
        'tekton.dev/v1/TaskRun',
      ]);
      // Logged once each, as Chains logs them: the PipelineRun's attestation, every sibling TaskRun's (attest
      // itself is not one), and the image signature.
      const siblings = (run.status.childReferences as KubeObject[]).filter(
        (c) => c.pipelineTaskName !== 'attest',
      );
      const kinds = sigstore.entries.map((e) => e.body.kind);
      expect(kinds.filter((k) => k === 'dsse')).toHaveLength(1 + siblings.length);
      expect(kinds.filter((k) => k === 'hashedrekord')).toHaveLength(1);
    },
    RUN_TIMEOUT_MS,
  );
});
