// The Task as Tekton runs it: its step (command, args, env) expanded the way the TaskRun reconciler
// substitutes params, context and workspace variables, its volumes laid out under a temp root as the kubelet
// mounts them (Downward API labels, the signing-secrets workspace, /tekton/results, the service-account
// files), run as the built CLI against a REAL kube-apiserver (Tekton CRDs, the Roles of task/rbac.yaml bound
// to the pipeline's service account) and the real test registry. Needs the kube peer
// (scripts/peers/build-all.sh; the test command builds it first).
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../harness/fake-kube.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage, RegistryHttp } from '../harness/registry-http.js';
import { runCli } from '../harness/run-built-cli.js';
import { buildScenario } from '../harness/scenario.js';
import { type KubeApiServer, startKubeApiServer } from '../peers/kube-apiserver.js';
import { repoRoot } from '../peers/versions.js';

const NS = 'ci';
const SERVICE_ACCOUNT = 'pipeline';

interface Step {
  command: string[];
  args: string[];
  env: { name: string; value: string }[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface Task {
  spec: {
    params: { name: string; default: string }[];
    workspaces: { name: string; mountPath?: string; optional?: boolean }[];
    steps: Step[];
  };
}

const task = parse(await readFile(join(repoRoot, 'task/tekton-attest.yaml'), 'utf8')) as Task;
const step = task.spec.steps[0] as Step;

let kube: KubeApiServer;
let registry: TestRegistry;

beforeAll(async () => {
  [kube, registry] = await Promise.all([startKubeApiServer(), startRegistry()]);
  await kube.installTektonCRDs();
  await kube.applyManifest(`
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ${SERVICE_ACCOUNT}, namespace: ${NS}}
`);
  await kube.applyManifest(await readFile(join(repoRoot, 'task/rbac.yaml'), 'utf8'), { namespace: NS });
}, 180_000);

afterAll(async () => {
  await Promise.all([kube?.stop(), registry?.stop()]);
});

/**
 * The step's env after Tekton's substitution: params (defaults unless given), $(context.taskRun.*), and
 * $(workspaces.W.path): the mount path when bound, "" when an optional workspace is not.
 */
function expandEnv(
  params: Record<string, string>,
  taskRun: { name: string; namespace: string },
  bound: string[],
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of task.spec.params) values[`params.${p.name}`] = params[p.name] ?? p.default;
  values['context.taskRun.name'] = taskRun.name;
  values['context.taskRun.namespace'] = taskRun.namespace;
  for (const w of task.spec.workspaces) {
    values[`workspaces.${w.name}.path`] = bound.includes(w.name)
      ? (w.mountPath ?? `/workspace/${w.name}`)
      : '';
  }
  const env: Record<string, string> = {};
  for (const e of step.env) {
    env[e.name] = e.value.replace(/\$\(([^)]+)\)/g, (whole, name: string) => {
      if (!(name in values))
        throw new Error(`the Task uses ${whole}, which Tekton would not substitute here`);
      return values[name] ?? '';
    });
  }
  return env;
}

/** Downward API `metadata.labels` file: one key="value" line per label, sorted. */
function downwardLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join('\n');
}

test('the Task with its defaults attests a finally-time run: annotations, .att and .sig next to the image, results', async () => {
  const image = await pushTestImage({ url: registry.url }, 'team/app', 'v1');
  const imageUrl = `${image.host}/team/app`;
  const scenario = buildScenario({
    name: 'app-build-t1',
    namespace: NS,
    attestTask: 'attest',
    pipelineResults: {
      IMAGE_URL: '$(tasks.build.results.IMAGE_URL)',
      IMAGE_DIGEST: '$(tasks.build.results.IMAGE_DIGEST)',
    },
    tasks: [{ name: 'build', results: { IMAGE_URL: imageUrl, IMAGE_DIGEST: image.digest } }],
  });
  // Store the run as Tekton's controller would have written it.
  const { status: runStatus, ...pipelineRun } = scenario.pipelineRun;
  delete pipelineRun.metadata.uid;
  const [stored] = await kube.applyManifest(pipelineRun);
  const uid = stored?.metadata.uid as string;
  await kube.writeStatus('PipelineRun', NS, scenario.name, runStatus);
  let attestLabels: Record<string, string> = {};
  for (const taskRun of scenario.taskRuns) {
    const { status, ...object } = taskRun as KubeObject;
    object.metadata.ownerReferences[0].uid = uid;
    object.metadata.labels['tekton.dev/pipelineRunUID'] = uid;
    await kube.applyManifest(object);
    await kube.writeStatus('TaskRun', NS, object.metadata.name, status);
    if (object.metadata.name === scenario.attestTaskRun) attestLabels = object.metadata.labels;
  }
  const attestTaskRun = scenario.attestTaskRun ?? '';

  // The pod's filesystem: every path the Task mounts, under root.
  const root = await mkdtemp(join(tmpdir(), 'task-pod-'));
  const inPod = (path: string) => join(root, path);
  const saDir = inPod('var/run/secrets/kubernetes.io/serviceaccount');
  await mkdir(saDir, { recursive: true });
  const token = await kube.createServiceAccountToken(NS, SERVICE_ACCOUNT);
  await writeFile(join(saDir, 'token'), token);
  await writeFile(join(saDir, 'ca.crt'), kube.caPem);
  await writeFile(join(saDir, 'namespace'), NS);
  // The pod carries its TaskRun's labels, plus the ones Tekton adds to pods.
  const podLabels = {
    ...attestLabels,
    'tekton.dev/taskRun': attestTaskRun,
    'app.kubernetes.io/managed-by': 'tekton-pipelines',
  };
  const podinfo = step.volumeMounts.find((m) => m.name === 'podinfo')?.mountPath ?? '';
  await mkdir(inPod(podinfo), { recursive: true });
  await writeFile(inPod(`${podinfo}/labels`), downwardLabels(podLabels));
  const keyDir = task.spec.workspaces.find((w) => w.name === 'signing-secrets')?.mountPath ?? '';
  await mkdir(inPod(keyDir), { recursive: true });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(inPod(`${keyDir}/x509.pem`), privateKey.export({ format: 'pem', type: 'pkcs8' }));
  await mkdir(inPod('tekton/results'), { recursive: true });
  await mkdir(inPod('tmp'), { recursive: true });

  // Only the registry's host is set by the user (an in-cluster HTTP registry); every other param is its default.
  const env = expandEnv({ 'insecure-registry': registry.host }, { name: attestTaskRun, namespace: NS }, [
    'signing-secrets',
  ]);
  expect(env.TEKTON_ATTEST_PIPELINERUN).toBe('');
  const podEnv: Record<string, string | undefined> = {
    KUBECONFIG: undefined,
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: String(kube.port),
    // The client's hidden prefix for /var/run/secrets/...: the same root as every other mount.
    TEKTON_ATTEST_SERVICEACCOUNT_ROOT: root,
  };
  for (const key of Object.keys(process.env))
    if (key.startsWith('TEKTON_ATTEST_') && !(key in podEnv)) podEnv[key] = undefined;
  for (const [name, value] of Object.entries(env))
    podEnv[name] = value.startsWith('/') ? inPod(value) : value;

  // command: [node, /app/dist/cli.js] in the image; the built CLI here.
  expect(step.command).toEqual(['/nodejs/bin/node', '/app/dist/cli.js']);
  const result = await runCli(step.args, { env: podEnv });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout + result.stderr).not.toContain(token);

  // tekton storage: Chains' annotations on the PipelineRun, through the Role of task/rbac.yaml.
  const run = await kube.get('tekton.dev/v1', 'PipelineRun', scenario.name, NS);
  const annotations = (run?.metadata.annotations ?? {}) as Record<string, string>;
  const payload = annotations[`chains.tekton.dev/payload-pipelinerun-${uid}`] ?? '';
  expect(annotations[`chains.tekton.dev/signature-pipelinerun-${uid}`]).toBeTruthy();
  const statement = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
  expect(statement.subject).toEqual([
    { name: imageUrl, digest: { sha256: image.digest.replace('sha256:', '') } },
  ]);
  // The attest TaskRun itself is not in the provenance.
  expect(JSON.stringify(statement)).not.toContain(attestTaskRun);

  // oci storage: a cosign .att tag next to the image; and the image signature (.sig), on by default.
  for (const kind of ['att', 'sig']) {
    const tag = await new RegistryHttp({ url: registry.url }).manifest(
      'team/app',
      `${image.digest.replace(':', '-')}.${kind}`,
    );
    expect(tag, kind).toBeDefined();
  }

  // Results in /tekton/results.
  const results = async (name: string) => readFile(inPod(`tekton/results/${name}`), 'utf8');
  expect(await results('ATTESTATION_DIGEST')).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(JSON.parse(await results('SUBJECTS'))).toEqual([
    { name: imageUrl, digest: { sha256: image.digest.replace('sha256:', '') } },
  ]);
  const storage = JSON.parse(await results('STORAGE')) as {
    backend: string;
    artifact?: string;
    run?: string;
    ok: boolean;
  }[];
  const buildTaskRun = scenario.taskRuns.find((r) => r.metadata.name !== attestTaskRun)?.metadata.name;
  expect(storage.map((s) => [s.backend, s.run ?? s.artifact ?? 'PipelineRun', s.ok]).sort()).toEqual([
    ['oci', 'PipelineRun', true],
    ['oci', 'image signatures', true],
    ['tekton', 'PipelineRun', true],
    ['tekton', `TaskRun ${buildTaskRun}`, true],
  ]);

  // taskrun-format/taskrun-storage defaults (Chains' artifacts.taskrun.*: in-toto to tekton): the build TaskRun
  // carries its own SLSA v0.2 statement, through the Role tekton-attest-taskrun-storage; the attest TaskRun none.
  const built = await kube.get('tekton.dev/v1', 'TaskRun', buildTaskRun!, NS);
  const own = (built?.metadata.annotations ?? {}) as Record<string, string>;
  const taskRunStatement = JSON.parse(
    Buffer.from(own[`chains.tekton.dev/payload-taskrun-${built?.metadata.uid}`] ?? '', 'base64').toString(),
  );
  expect(taskRunStatement.predicateType).toBe('https://slsa.dev/provenance/v0.2');
  expect(taskRunStatement.predicate.buildType).toBe('tekton.dev/v1/TaskRun');
  const self = await kube.get('tekton.dev/v1', 'TaskRun', attestTaskRun, NS);
  expect(
    Object.keys(self?.metadata.annotations ?? {}).filter((k) => k.startsWith('chains.tekton.dev/')),
  ).toEqual([]);
}, 120_000);
