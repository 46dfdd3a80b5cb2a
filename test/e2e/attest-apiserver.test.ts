// `attest` (the built CLI) against a REAL kube-apiserver + etcd with the real Tekton CRDs and RBAC: the
// Roles shipped in task/rbac.yaml, a real service-account token, the in-cluster code path (token, CA and
// namespace files, KUBERNETES_SERVICE_HOST/PORT), a real JSON merge patch on the CRD, real 403 bodies.
// Needs scripts/peers/build-all.sh to have run (the test command does that first).
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDsseEnvelope } from '../harness/cosign-checker.js';
import type { KubeObject } from '../harness/fake-kube.js';
import { type CliResult, runCli } from '../harness/run-built-cli.js';
import { buildAndNotify, IMAGE } from '../harness/scenario.js';
import { chainsPayloads } from '../peers/chains-oracle.js';
import { runCosign } from '../peers/cosign.js';
import { type KubeApiServer, startKubeApiServer } from '../peers/kube-apiserver.js';
import { repoRoot } from '../peers/versions.js';

const NS = 'ci';
let kube: KubeApiServer;
let dir: string;
let keyFile: string;
let publicKeyPem: string;
let publicKeyFile: string;
let runs = 0;

beforeAll(async () => {
  kube = await startKubeApiServer();
  await kube.installTektonCRDs();
  await kube.applyManifest(`
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: pipeline, namespace: ${NS}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader, namespace: ${NS}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-read-only, namespace: ${NS}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: tekton-attest}
subjects:
  - {kind: ServiceAccount, name: reader}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: pipelinerun-only, namespace: ${NS}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pipelinerun-only-read, namespace: ${NS}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: tekton-attest}
subjects:
  - {kind: ServiceAccount, name: pipelinerun-only}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pipelinerun-only-annotate, namespace: ${NS}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: tekton-attest-tekton-storage}
subjects:
  - {kind: ServiceAccount, name: pipelinerun-only}
`);
  // The Roles and bindings exactly as shipped (bound to the `pipeline` service account).
  await kube.applyManifest(await readFile(join(repoRoot, 'task', 'rbac.yaml'), 'utf8'), { namespace: NS });
  dir = await mkdtemp(join(tmpdir(), 'attest-real-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  keyFile = join(dir, 'x509.pem');
  await writeFile(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  publicKeyFile = join(dir, 'key.pub');
  await writeFile(publicKeyFile, publicKeyPem);
}, 180_000);

afterAll(async () => {
  await kube?.stop();
});

/** Creates a finally-time run as Tekton's controller would have written it; returns its name and uid. */
async function createRun(
  annotations: Record<string, string> = {},
  taskRunAnnotations: Record<string, Record<string, string>> = {},
): Promise<{ name: string; uid: string; attestTaskRun: string; taskRuns: string[] }> {
  runs += 1;
  const scenario = buildAndNotify({ name: `app-build-r${runs}`, namespace: NS });
  const { status: prStatus, ...pipelineRun } = scenario.pipelineRun;
  delete pipelineRun.metadata.uid;
  pipelineRun.metadata.annotations = annotations;
  const [stored] = await kube.applyManifest(pipelineRun);
  const uid = stored!.metadata.uid as string;
  await kube.writeStatus('PipelineRun', NS, scenario.name, prStatus);
  for (const taskRun of scenario.taskRuns) {
    const { status, ...object } = taskRun as KubeObject;
    object.metadata.ownerReferences[0].uid = uid;
    object.metadata.labels['tekton.dev/pipelineRunUID'] = uid;
    const pipelineTask = object.metadata.labels['tekton.dev/pipelineTask'] as string;
    object.metadata.annotations = { ...object.metadata.annotations, ...taskRunAnnotations[pipelineTask] };
    await kube.applyManifest(object);
    await kube.writeStatus('TaskRun', NS, object.metadata.name, status);
  }
  return {
    name: scenario.name,
    uid,
    attestTaskRun: scenario.attestTaskRun!,
    taskRuns: scenario.taskRuns.map((r) => r.metadata.name as string),
  };
}

/** The pod's service-account files under a temp root, as the kubelet mounts them. */
async function inClusterEnv(
  serviceAccount: string,
): Promise<{ env: Record<string, string | undefined>; token: string }> {
  const token = await kube.createServiceAccountToken(NS, serviceAccount);
  const root = join(dir, `root-${serviceAccount}-${runs}`);
  const saDir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  await mkdir(saDir, { recursive: true });
  await writeFile(join(saDir, 'token'), token);
  await writeFile(join(saDir, 'ca.crt'), kube.caPem);
  await writeFile(join(saDir, 'namespace'), NS);
  const env: Record<string, string | undefined> = {
    HOME: dir,
    KUBECONFIG: undefined,
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: String(kube.port),
    TEKTON_ATTEST_SERVICEACCOUNT_ROOT: root,
  };
  return { env, token };
}

async function attest(
  run: { name: string; attestTaskRun: string },
  serviceAccount: string,
  extra: string[] = [],
): Promise<CliResult> {
  const { env, token } = await inClusterEnv(serviceAccount);
  const result = await runCli(
    [
      'attest',
      '--pipelinerun',
      run.name,
      '--taskrun',
      run.attestTaskRun,
      '--key',
      keyFile,
      '--storage',
      'tekton',
      // The run's images are in no registry; image signatures are tested against one in attest-oci.
      '--sign-images=false',
      '--wait-timeout',
      '10s',
      ...extra,
    ],
    { env },
  );
  expect(result.stdout + result.stderr).not.toContain(token);
  return result;
}

async function annotationsOf(name: string): Promise<Record<string, string>> {
  const object = await kube.get('tekton.dev/v1', 'PipelineRun', name, NS);
  return (object?.metadata.annotations ?? {}) as Record<string, string>;
}

describe('attest against a real kube-apiserver', () => {
  it('in-cluster, with exactly the Roles of task/rbac.yaml: stores Chains annotations; a re-run changes nothing', async () => {
    const run = await createRun();
    const result = await attest(run, 'pipeline', ['--log-level', 'debug']);
    expect(result.stderr).toContain(
      `kubernetes: in-cluster config, https://127.0.0.1:${kube.port}, namespace ${NS}`,
    );
    expect(result.code, result.stderr).toBe(0);
    const stored = await annotationsOf(run.name);
    const signature = stored[`chains.tekton.dev/signature-pipelinerun-${run.uid}`]!;
    const envelope = checkDsseEnvelope(Buffer.from(signature, 'base64').toString(), publicKeyPem);
    expect(envelope.verified).toBe(true);
    const payload = envelope.payload;
    expect(stored[`chains.tekton.dev/payload-pipelinerun-${run.uid}`]).toBe(envelope.payloadBase64);
    const statement = JSON.parse(payload.toString()) as { subject: { name: string }[] };
    expect(statement.subject.map((s) => s.name)).toEqual([IMAGE]);

    const before = await kube.get('tekton.dev/v1', 'PipelineRun', run.name, NS);
    const again = await attest(run, 'pipeline');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('already hold this attestation');
    const after = await kube.get('tekton.dev/v1', 'PipelineRun', run.name, NS);
    expect(after?.metadata.annotations).toEqual(before?.metadata.annotations);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });

  it('a service account without the tekton-storage Role: the real 403, the Role to bind, nothing written', async () => {
    const run = await createRun();
    const result = await attest(run, 'reader');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `patch pipelineruns.tekton.dev ${NS}/${run.name}: forbidden for system:serviceaccount:${NS}:reader`,
    );
    expect(result.stderr).toContain('cannot patch resource "pipelineruns" in API group "tekton.dev"');
    expect(result.stderr).toContain('Role "tekton-attest-tekton-storage"');
    expect(result.stderr).toContain(`--serviceaccount=${NS}:reader`);
    expect(await annotationsOf(run.name)).toEqual({});
  });

  it('a namespace the service account cannot read', async () => {
    const run = await createRun();
    const result = await attest(run, 'pipeline', ['--namespace', 'default']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `get pipelineruns.tekton.dev default/${run.name}: forbidden for system:serviceaccount:${NS}:pipeline`,
    );
  });

  it('annotations that would exceed 256 KiB are not patched', async () => {
    const run = await createRun({ 'example.com/large': 'x'.repeat(255 * 1024) });
    const before = await kube.get('tekton.dev/v1', 'PipelineRun', run.name, NS);
    const result = await attest(run, 'pipeline');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("over Kubernetes' 256.0 KiB limit");
    const after = await kube.get('tekton.dev/v1', 'PipelineRun', run.name, NS);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });
});

/** A TaskRun's Chains annotations (`chains.tekton.dev/*-taskrun-<uid>`), decoded; the TaskRun as read. */
async function taskRunArtifact(name: string) {
  const taskRun = (await kube.get('tekton.dev/v1', 'TaskRun', name, NS)) as KubeObject;
  const annotations = (taskRun.metadata.annotations ?? {}) as Record<string, string>;
  const value = (kind: string) => annotations[`chains.tekton.dev/${kind}-taskrun-${taskRun.metadata.uid}`];
  return { taskRun, annotations, payload: value('payload'), signature: value('signature') };
}

/** `tekton-attest payload --taskrun FILE` (the offline statement of one TaskRun), exactly as printed. */
async function payloadOf(taskRun: KubeObject, format: string): Promise<string> {
  const file = join(dir, `${taskRun.metadata.name}-${format.replace('/', '-')}.json`);
  await writeFile(file, JSON.stringify(taskRun));
  const printed = await runCli(['payload', '--taskrun', file, '--format', format]);
  expect(printed.code, printed.stderr).toBe(0);
  return printed.stdout.replace(/\n$/, '');
}

describe("attest's TaskRun-level artifacts (Chains' artifacts.taskrun.*) against a real kube-apiserver", () => {
  it('by default (slsa/v1 to tekton, as Chains): each sibling TaskRun holds its own statement, byte for byte what payload --taskrun prints and equal to Chains; the attest TaskRun none; a re-run changes nothing', async () => {
    const run = await createRun();
    const result = await attest(run, 'pipeline', [
      '--output-dir',
      join(dir, `files-${run.name}`),
      '--taskrun-storage',
      'tekton,file',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const siblings = run.taskRuns.filter((name) => name !== run.attestTaskRun);
    expect(siblings.length).toBe(3);
    for (const name of siblings) {
      const { taskRun, payload, signature } = await taskRunArtifact(name);
      const envelope = checkDsseEnvelope(Buffer.from(signature!, 'base64').toString(), publicKeyPem);
      expect(envelope.payloadBase64).toBe(payload);
      const bytes = envelope.payload;
      expect(envelope.verified).toBe(true);
      expect(bytes.toString()).toBe(await payloadOf(taskRun, 'slsa/v1'));
      const [oracle] = await chainsPayloads([{ id: name, taskRun, configs: [{ format: 'slsa/v1' }] }]);
      expect(JSON.parse(bytes.toString())).toEqual(JSON.parse(oracle!.payloads![0]!.payload!));
      // file storage: a taskruns/ folder, so no TaskRun's files can take the PipelineRun's names.
      expect(
        await readFile(join(dir, `files-${run.name}`, 'taskruns', `${name}.statement.json`), 'utf8'),
      ).toBe(bytes.toString());
    }
    const self = await taskRunArtifact(run.attestTaskRun);
    expect(Object.keys(self.annotations).filter((k) => k.startsWith('chains.tekton.dev/'))).toEqual([]);
    expect(result.stderr).toMatch(new RegExp(`tekton \\(TaskRun ${siblings[0]}\\)\\s+OK`));

    const before = await Promise.all(
      siblings.map(async (name) => (await taskRunArtifact(name)).taskRun.metadata),
    );
    const again = await attest(run, 'pipeline');
    expect(again.code, again.stderr).toBe(0);
    const after = await Promise.all(
      siblings.map(async (name) => (await taskRunArtifact(name)).taskRun.metadata),
    );
    expect(after.map((m) => m.resourceVersion)).toEqual(before.map((m) => m.resourceVersion));
    expect(after.map((m) => m.annotations)).toEqual(before.map((m) => m.annotations));
  });

  it('--format tekton and --taskrun-format tekton (legacy): the status signed raw; cosign verify-blob accepts the annotations as Chains v0.14 wrote them', async () => {
    const run = await createRun();
    const result = await attest(run, 'pipeline', [
      '--format',
      'tekton',
      '--taskrun-format',
      'tekton',
      '--mark-signed',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const pipelineRun = (await kube.get('tekton.dev/v1', 'PipelineRun', run.name, NS)) as KubeObject;
    const prAnnotations = pipelineRun.metadata.annotations as Record<string, string>;
    const targets = [
      {
        status: pipelineRun.status,
        payload: prAnnotations[`chains.tekton.dev/payload-pipelinerun-${run.uid}`],
        signature: prAnnotations[`chains.tekton.dev/signature-pipelinerun-${run.uid}`],
        signed: prAnnotations['chains.tekton.dev/signed'],
      },
    ];
    for (const name of run.taskRuns.filter((n) => n !== run.attestTaskRun)) {
      const { taskRun, annotations, payload, signature } = await taskRunArtifact(name);
      targets.push({
        status: taskRun.status,
        payload,
        signature,
        signed: annotations['chains.tekton.dev/signed'],
      });
    }
    expect(targets.length).toBe(4);
    for (const [index, target] of targets.entries()) {
      // OpenShift Pipelines' guide: the signature annotation saved as a file, the payload annotation decoded.
      const signatureFile = join(dir, `${run.name}-${index}.signature`);
      const payloadFile = join(dir, `${run.name}-${index}.payload`);
      await writeFile(signatureFile, target.signature!);
      await writeFile(payloadFile, Buffer.from(target.payload!, 'base64'));
      expect(JSON.parse(await readFile(payloadFile, 'utf8'))).toEqual(target.status);
      const verified = await runCosign([
        'verify-blob',
        '--key',
        publicKeyFile,
        '--signature',
        signatureFile,
        '--insecure-ignore-tlog',
        payloadFile,
      ]);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stderr).toContain('Verified OK');
      expect(target.signed).toBe('true');
    }
    // A flipped byte of the status does not verify.
    const tampered = join(dir, `${run.name}-tampered.payload`);
    const original = Buffer.from(targets[1]!.payload!, 'base64');
    await writeFile(tampered, Buffer.concat([original.subarray(0, -1), Buffer.from(' ')]));
    const refused = await runCosign([
      'verify-blob',
      '--key',
      publicKeyFile,
      '--signature',
      join(dir, `${run.name}-1.signature`),
      '--insecure-ignore-tlog',
      tampered,
    ]);
    expect(refused.code).not.toBe(0);

    // A TaskRun's status does not change once it is done: a re-run finds its signature and writes nothing.
    const sibling = run.taskRuns.find((n) => n !== run.attestTaskRun)!;
    const before = (await taskRunArtifact(sibling)).taskRun.metadata.resourceVersion;
    const again = await attest(run, 'pipeline', [
      '--format',
      'tekton',
      '--taskrun-format',
      'tekton',
      '--mark-signed',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect((await taskRunArtifact(sibling)).taskRun.metadata.resourceVersion).toBe(before);
  });

  it('the tekton format for oci or file storage is refused before anything is read or written', async () => {
    const run = await createRun();
    const result = await attest(run, 'pipeline', [
      '--taskrun-format',
      'tekton',
      '--taskrun-storage',
      'tekton,oci',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--taskrun-format tekton cannot be stored in oci');
    const pipelineRun = await runCli([
      'attest',
      '--key',
      keyFile,
      '--format',
      'tekton',
      '--pipelinerun',
      run.name,
    ]);
    expect(pipelineRun.code).toBe(2);
    expect(pipelineRun.stderr).toContain('--format tekton cannot be stored in oci');
    expect(await annotationsOf(run.name)).toEqual({});
  });

  it('without the Role tekton-attest-taskrun-storage: the PipelineRun is annotated, each TaskRun fails on its own with the real 403 naming the verb on taskruns and the Role', async () => {
    const run = await createRun();
    const result = await attest(run, 'pipelinerun-only');
    expect(result.code).toBe(1);
    const siblings = run.taskRuns.filter((name) => name !== run.attestTaskRun);
    for (const name of siblings) {
      expect(result.stderr).toContain(
        `patch taskruns.tekton.dev ${NS}/${name}: forbidden for system:serviceaccount:${NS}:pipelinerun-only`,
      );
      expect(result.stderr).toMatch(new RegExp(`tekton \\(TaskRun ${name}\\)\\s+FAILED`));
    }
    expect(result.stderr).toContain('Role "tekton-attest-taskrun-storage"');
    expect(result.stderr).toContain('resources: ["taskruns"], verbs: ["patch"]');
    expect(result.stderr).toContain(`${siblings.length} of ${siblings.length + 1} storage backends failed`);
    expect(Object.keys(await annotationsOf(run.name))).toContain(
      `chains.tekton.dev/payload-pipelinerun-${run.uid}`,
    );

    // --taskrun-storage none: what a team without that Role passes; nothing else changes.
    const none = await attest(run, 'pipelinerun-only', ['--taskrun-storage', 'none']);
    expect(none.code, none.stderr).toBe(0);
  });

  it('a TaskRun whose annotations would exceed 256 KiB is not patched; the other TaskRuns are attested; --best-effort exits 0', async () => {
    const run = await createRun({}, { build: { 'example.com/large': 'x'.repeat(255 * 1024) } });
    const build = run.taskRuns.find((name) => name.endsWith('-build'))!;
    const before = (await taskRunArtifact(build)).taskRun.metadata.resourceVersion;
    const result = await attest(run, 'pipeline', ['--best-effort']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`TaskRun ${NS}/${build} annotations would total`);
    expect(result.stderr).toContain('--taskrun-storage oci');
    expect(result.stderr).toContain('1 of 4 storage backends failed');
    expect((await taskRunArtifact(build)).taskRun.metadata.resourceVersion).toBe(before);
    for (const name of run.taskRuns.filter((n) => n !== run.attestTaskRun && n !== build)) {
      expect((await taskRunArtifact(name)).payload).toBeTruthy();
    }
  });
});
