// Two set-ups under Tekton's own controller. The FRSCA-style example (task/examples/pipelinerun-frsca.yaml):
// keyless signing with the pod's projected service-account token (audience sigstore) at a test Fulcio, Rekor,
// `tekton,oci` storage and image signatures, verified by cosign. And the Kurator predefined task
// (catalog/kurator), rendered the way Kurator renders it (Go text/template + sprig, test/kurator/render),
// applied with its rendered Role and run the way a Kurator pipeline runs it: after git-clone, with the
// pipeline-named service account and the shared workspace.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SigstoreStack, startSigstore } from '../harness/sigstore.js';
import { renderKuratorTemplate } from '../kurator/kurator-render.js';
import { runCosign } from '../peers/cosign.js';
import type { KubeObject } from '../peers/kube-apiserver.js';
import { repoRoot } from '../peers/versions.js';
import { loadYaml, RUN_TIMEOUT_MS, type Sandbox, startSandbox } from '../sandbox/sandbox.js';
import {
  COSIGN_PASSWORD,
  installAttestTask,
  installExamplePipeline,
  statementFromAnnotations,
} from '../sandbox/setup.js';

let sandbox: Sandbox;
let sigstore: SigstoreStack;

beforeAll(async () => {
  sandbox = await startSandbox();
  // The test Fulcio trusts the sandbox cluster's service-account tokens, as Fulcio's kubernetes issuer does.
  const jwks = JSON.parse(await sandbox.kubectl(['get', '--raw', '/openid/v1/jwks'])) as {
    keys: JsonWebKey[];
  };
  sigstore = await startSigstore({
    clusterIssuerKey: createPublicKey({ key: jwks.keys[0] as JsonWebKey, format: 'jwk' }),
  });
}, 600_000);

afterAll(async () => {
  await sandbox?.down();
  await sigstore?.stop();
});

describe('the FRSCA-style example on Tekton', () => {
  it(
    'signs keylessly with the pod identity, logs in Rekor, stores tekton and oci, and cosign verifies it',
    async () => {
      const frsca = 'frsca';
      await installAttestTask(sandbox, frsca);
      await installExamplePipeline(sandbox, frsca, {
        'fulcio-url': sigstore.fulcioUrl,
        'rekor-url': sigstore.rekorUrl,
      });
      const text = readFileSync(join(repoRoot, 'task/examples/pipelinerun-frsca.yaml'), 'utf8');
      const [created] = await sandbox.create(
        text.replaceAll('registry.example.com', sandbox.registry),
        frsca,
      );
      const run = await sandbox.waitForRun('pipelinerun', created?.metadata.name, frsca);
      expect((run.status.conditions as KubeObject[])[0], sandbox.logs()).toMatchObject({ status: 'True' });
      const digest = (run.status.results as KubeObject[]).find((r) => r.name === 'IMAGE_DIGEST')?.value;
      const image = `${sandbox.registry}/team/app@${digest}`;
      const identity = [
        '--certificate-identity',
        `https://kubernetes.io/namespaces/${frsca}/serviceaccounts/pipeline`,
        '--certificate-oidc-issuer',
        sigstore.issuer,
        '--trusted-root',
        sigstore.trustedRootPath,
      ];
      const attestation = await runCosign([
        'verify-attestation',
        '--type',
        'slsaprovenance1',
        ...identity,
        image,
      ]);
      expect(attestation.code, attestation.stderr).toBe(0);
      const signature = await runCosign(['verify', ...identity, image]);
      expect(signature.code, signature.stderr).toBe(0);
      // The PipelineRun's attestation and the image signature, then (Chains' artifacts.taskrun default) one
      // attestation per sibling TaskRun, each logged as Chains logs every object.
      const siblings = (run.status.childReferences as KubeObject[]).filter(
        (c) => c.pipelineTaskName !== 'attest',
      );
      expect(sigstore.entries.map((e) => e.body.kind).sort()).toEqual([
        ...Array.from({ length: 1 + siblings.length }, () => 'dsse'),
        'hashedrekord',
      ]);
      expect(Object.keys(run.metadata.annotations)).toContain(
        `chains.tekton.dev/cert-pipelinerun-${run.metadata.uid}`,
      );
      for (const sibling of siblings) {
        const taskRun = (await sandbox.get('taskrun', sibling.name, frsca)) as KubeObject;
        expect(Object.keys(taskRun.metadata.annotations)).toContain(
          `chains.tekton.dev/cert-taskrun-${taskRun.metadata.uid}`,
        );
      }
    },
    RUN_TIMEOUT_MS,
  );
});

const namespace = 'kurator-pipeline';
const pipeline = 'quick-start';

describe('the Kurator predefined task on Tekton', () => {
  it(
    'runs after git-clone with the pipeline-named service account and attests the run',
    async () => {
      await sandbox.kubectl(['create', 'namespace', namespace]);
      await sandbox.kubectl(['create', 'serviceaccount', pipeline, '-n', namespace]);
      const keygen = await runCosign(['generate-key-pair', `k8s://${namespace}/signing-secrets`], {
        cwd: mkdtempSync(join(sandbox.dir, 'kurator-key-')),
        env: { KUBECONFIG: sandbox.kubeconfig, COSIGN_PASSWORD },
      });
      expect(keygen.code, keygen.stderr).toBe(0);
      const task = await renderKuratorTemplate('catalog/kurator/tekton-attest.tmpl', {
        PipelineName: pipeline,
        Namespace: namespace,
        TemplateName: 'tekton-attest',
        PredefinedTaskName: `tekton-attest-${pipeline}`,
        Params: { storage: 'tekton', format: 'slsa/v2alpha4' },
        OwnerReference: null,
      });
      const rbac = await renderKuratorTemplate('catalog/kurator/rbac.tmpl', {
        PipelineName: pipeline,
        PipelineNamespace: namespace,
        ServiceAccountName: pipeline,
        OwnerReference: null,
      });
      await sandbox.apply(task, namespace);
      await sandbox.apply(rbac, namespace);
      const gitClone = loadYaml('test/sandbox/catalog-standins.yaml').find(
        (o) => o.metadata.name === 'git-clone',
      );
      await sandbox.apply(gitClone as KubeObject, namespace);

      // What Kurator's controller creates for the pipeline: sequential tasks, one shared workspace.
      await sandbox.apply(
        {
          apiVersion: 'tekton.dev/v1',
          kind: 'PipelineRun',
          metadata: { name: `${pipeline}-run` },
          spec: {
            taskRunTemplate: { serviceAccountName: pipeline },
            workspaces: [
              {
                name: 'kurator-pipeline-shared-data',
                volumeClaimTemplate: {
                  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } },
                },
              },
            ],
            pipelineSpec: {
              workspaces: [{ name: 'kurator-pipeline-shared-data' }],
              tasks: [
                {
                  name: 'git-clone',
                  taskRef: { name: 'git-clone' },
                  params: [{ name: 'url', value: 'https://github.com/kurator-dev/kurator' }],
                  workspaces: [{ name: 'output', workspace: 'kurator-pipeline-shared-data' }],
                },
                {
                  name: 'tekton-attest',
                  runAfter: ['git-clone'],
                  taskRef: { name: `tekton-attest-${pipeline}` },
                  workspaces: [{ name: 'source', workspace: 'kurator-pipeline-shared-data' }],
                },
              ],
            },
          },
        },
        namespace,
      );
      const run = await sandbox.waitForRun('pipelinerun', `${pipeline}-run`, namespace);
      expect((run.status.conditions as KubeObject[])[0], sandbox.logs()).toMatchObject({ status: 'True' });
      const children = run.status.childReferences as KubeObject[];
      const clone = children.find((c) => c.pipelineTaskName === 'git-clone');
      const attest = children.find((c) => c.pipelineTaskName === 'tekton-attest');
      // The Task found its PipelineRun from its own pod label (Kurator passes no pipelinerun-name): the
      // statement is on this run.
      const statement = statementFromAnnotations(run);
      expect(JSON.stringify(statement)).toContain(clone?.name);
      expect(JSON.stringify(statement)).not.toContain(attest?.name);
    },
    RUN_TIMEOUT_MS,
  );
});
