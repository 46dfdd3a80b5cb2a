// Proves the Go-built test peers work: a real kube-apiserver + etcd with the real Tekton CRDs,
// RBAC for a namespaced service account, and the cosign CLI.
// Needs scripts/peers/build-all.sh to have run (the test command does that first).
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosignBin, runCosign } from './cosign.js';
import { type KubeApiServer, startKubeApiServer } from './kube-apiserver.js';
import { peerVersions } from './versions.js';

const NS = 'build-ns';
const SA = 'attest';

/** A KubeConfig built only from the server URL, its CA and a bearer token. */
function kubeConfigFor(kube: KubeApiServer, token: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: kube.url, caData: Buffer.from(kube.caPem).toString('base64') }],
    users: [{ name: SA, token }],
    contexts: [{ name: 'test', cluster: 'test', user: SA, namespace: NS }],
    currentContext: 'test',
  });
  return kc;
}

async function httpCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof k8s.ApiException) return e.code;
    throw e;
  }
}

describe('kube-apiserver + etcd peer with the Tekton CRDs', () => {
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    const crdStart = performance.now();
    const crds = await kube.installTektonCRDs();
    console.log(
      `kube-apiserver ${peerVersions.kubernetes} + etcd ${peerVersions.etcd} ready in ${kube.startupMs} ms; ` +
        `${crds.length} Tekton ${peerVersions.tektonPipeline} CRDs served in ${Math.round(performance.now() - crdStart)} ms`,
    );
  }, 120_000);

  afterAll(async () => {
    await kube?.stop();
  });

  it('lets a service account read what its Role grants, in v1 and v1beta1, and nothing else', async () => {
    await kube.applyManifest(`
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ${SA}, namespace: ${NS}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: tekton-attest, namespace: ${NS}}
rules:
  - apiGroups: [tekton.dev]
    resources: [pipelineruns]
    verbs: [get]
  - apiGroups: [tekton.dev]
    resources: [taskruns]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: tekton-attest, namespace: ${NS}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: tekton-attest}
subjects:
  - {kind: ServiceAccount, name: ${SA}, namespace: ${NS}}
`);

    const [pr] = await kube.applyManifest({
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: 'build-1', namespace: NS, labels: { app: 'demo' } },
      spec: {
        pipelineRef: { name: 'build-pipeline' },
        params: [{ name: 'IMAGE', value: 'registry.local/demo/app' }],
        taskRunTemplate: { serviceAccountName: SA },
      },
    });
    expect(pr?.metadata.uid).toBeTruthy();
    await kube.applyManifest({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: { name: 'build-1-build', namespace: NS, labels: { 'tekton.dev/pipelineRun': 'build-1' } },
      spec: { taskRef: { name: 'build' } },
    });

    // The finally-task view: still Running, a child reference, the pipeline spec with its results.
    const status = {
      startTime: '2026-01-02T03:04:05Z',
      conditions: [
        {
          type: 'Succeeded',
          status: 'Unknown',
          reason: 'Running',
          message: 'Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0',
          lastTransitionTime: '2026-01-02T03:05:00Z',
        },
      ],
      childReferences: [
        { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', name: 'build-1-build', pipelineTaskName: 'build' },
      ],
      pipelineSpec: {
        tasks: [{ name: 'build', taskRef: { kind: 'Task', name: 'build' } }],
        results: [{ name: 'IMAGE_DIGEST', value: '$(tasks.build.results.IMAGE_DIGEST)' }],
      },
    };
    const written = await kube.writeStatus('PipelineRun', NS, 'build-1', status);
    expect(written.status).toEqual(status);

    const token = await kube.createServiceAccountToken(NS, SA);
    const kc = kubeConfigFor(kube, token);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const ref = { group: 'tekton.dev', namespace: NS, plural: 'pipelineruns', name: 'build-1' };

    const v1 = await custom.getNamespacedCustomObject({ ...ref, version: 'v1' });
    expect(v1.apiVersion).toBe('tekton.dev/v1');
    expect(v1.metadata.uid).toBe(pr?.metadata.uid);
    expect(v1.spec.taskRunTemplate.serviceAccountName).toBe(SA);
    expect(v1.status.conditions[0].reason).toBe('Running');
    expect(v1.status.childReferences[0].name).toBe('build-1-build');
    expect(v1.status.pipelineSpec.results[0].name).toBe('IMAGE_DIGEST');

    // Conversion strategy None: v1beta1 answers with the same stored object.
    const v1beta1 = await custom.getNamespacedCustomObject({ ...ref, version: 'v1beta1' });
    expect(v1beta1.apiVersion).toBe('tekton.dev/v1beta1');
    expect(v1beta1.metadata.uid).toBe(pr?.metadata.uid);
    expect(v1beta1.metadata.resourceVersion).toBe(v1.metadata.resourceVersion);

    // get,list on taskruns is granted.
    const trs = await custom.listNamespacedCustomObject({
      group: 'tekton.dev',
      version: 'v1',
      namespace: NS,
      plural: 'taskruns',
      labelSelector: 'tekton.dev/pipelineRun=build-1',
    });
    expect(trs.items.map((t: k8s.KubernetesObject) => t.metadata?.name)).toEqual(['build-1-build']);

    // Not granted: list pipelineruns, patch the PipelineRun, read a Secret, anything in another namespace.
    const core = kc.makeApiClient(k8s.CoreV1Api);
    expect(
      await httpCode(
        custom.listNamespacedCustomObject({
          group: 'tekton.dev',
          version: 'v1',
          namespace: NS,
          plural: 'pipelineruns',
        }),
      ),
    ).toBe(403);
    expect(
      await httpCode(
        custom.patchNamespacedCustomObject(
          { ...ref, version: 'v1', body: { metadata: { annotations: { a: 'b' } } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      ),
    ).toBe(403);
    expect(await httpCode(core.readNamespacedSecret({ name: 'anything', namespace: NS }))).toBe(403);
    expect(
      await httpCode(custom.getNamespacedCustomObject({ ...ref, version: 'v1', namespace: 'default' })),
    ).toBe(403);

    // The token is a real projected-style service-account JWT for the apiserver's audience.
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(claims.iss).toBe(kube.serviceAccountIssuer);
    expect(claims.sub).toBe(`system:serviceaccount:${NS}:${SA}`);
    expect(claims.aud).toEqual(kube.apiAudiences);
  }, 60_000);
});

describe('cosign peer', () => {
  it('runs `cosign version`', async () => {
    const r = await runCosign(['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain(`GitVersion:    ${peerVersions.cosign}`);
    expect(cosignBin()).toMatch(/cosign/);
  }, 30_000);
});
