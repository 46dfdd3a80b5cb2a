// `attest` (the built CLI) against a REAL kube-apiserver + etcd with the real Tekton CRDs and RBAC: the
// Roles shipped in task/rbac.yaml, a real service-account token, the in-cluster code path (token, CA and
// namespace files, KUBERNETES_SERVICE_HOST/PORT), a real JSON merge patch on the CRD, real 403 bodies.
// Needs scripts/peers/build-all.sh to have run (the test command does that first).
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../harness/fake-kube.js';
import { type CliResult, runCli } from '../harness/run-built-cli.js';
import { buildAndNotify, IMAGE } from '../harness/scenario.js';
import { type KubeApiServer, startKubeApiServer } from '../peers/kube-apiserver.js';
import { repoRoot } from '../peers/versions.js';

const NS = 'ci';
let kube: KubeApiServer;
let dir: string;
let keyFile: string;
let publicKeyPem: string;
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
`);
  // The Roles and bindings exactly as shipped (bound to the `pipeline` service account).
  await kube.applyManifest(await readFile(join(repoRoot, 'task', 'rbac.yaml'), 'utf8'), { namespace: NS });
  dir = await mkdtemp(join(tmpdir(), 'attest-real-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  keyFile = join(dir, 'x509.pem');
  await writeFile(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
}, 180_000);

afterAll(async () => {
  await kube?.stop();
});

/** Creates a finally-time run as Tekton's controller would have written it; returns its name and uid. */
async function createRun(
  annotations: Record<string, string> = {},
): Promise<{ name: string; uid: string; attestTaskRun: string }> {
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
    await kube.applyManifest(object);
    await kube.writeStatus('TaskRun', NS, object.metadata.name, status);
  }
  return { name: scenario.name, uid, attestTaskRun: scenario.attestTaskRun! };
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
    const envelope = JSON.parse(Buffer.from(signature, 'base64').toString()) as {
      payloadType: string;
      payload: string;
      signatures: { sig: string }[];
    };
    const payload = Buffer.from(envelope.payload, 'base64');
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${envelope.payloadType.length} ${envelope.payloadType} ${payload.length} `),
      payload,
    ]);
    expect(
      verify(
        'sha256',
        pae,
        createPublicKey(publicKeyPem),
        Buffer.from(envelope.signatures[0]!.sig, 'base64'),
      ),
    ).toBe(true);
    expect(stored[`chains.tekton.dev/payload-pipelinerun-${run.uid}`]).toBe(envelope.payload);
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
