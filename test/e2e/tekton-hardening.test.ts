// The hardening kit (task/hardening/) on the sandbox's real API server and under Tekton's own controller: the
// ValidatingAdmissionPolicy admits the pod Tekton creates for the attest finally task (service account
// tekton-attest, the pinned image, the signing Secret mounted), and refuses, in the same PipelineRun, a Task
// that runs as tekton-attest with its own image and a Task that mounts the signing Secret as the pipeline.
import { createPublicKey, type JsonWebKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type SigstoreStack, startSigstore } from '../harness/sigstore.js';
import type { KubeObject } from '../peers/kube-apiserver.js';
import { repoRoot } from '../peers/versions.js';
import { SANDBOX_IMAGES } from '../sandbox/images.js';
import { loadYaml, RUN_TIMEOUT_MS, type Sandbox, startSandbox } from '../sandbox/sandbox.js';
import { installAttestTask, statementFromAnnotations } from '../sandbox/setup.js';

let sandbox: Sandbox;
let sigstore: SigstoreStack;
const NAMESPACE = 'hardened';
const POLICY = "ValidatingAdmissionPolicy 'tekton-attest-hardening'";

beforeAll(async () => {
  sandbox = await startSandbox();
  await installAttestTask(sandbox, NAMESPACE);
  // The kit, as docs/trust-model.md says: the service account and bindings, the policy, the namespace's
  // parameters with the images this Tekton puts in the attest pod (the sandbox's entrypoint and
  // working-dir-init images), and the label that turns the policy on.
  await sandbox.kubectl(['apply', '-n', NAMESPACE, '-f', join(repoRoot, 'task/hardening/rbac.yaml')]);
  await sandbox.kubectl(['apply', '-f', join(repoRoot, 'task/hardening/policy.yaml')]);
  const [params] = loadYaml('task/hardening/params.yaml') as [KubeObject];
  params.data.images += `${SANDBOX_IMAGES.entrypoint}\n${SANDBOX_IMAGES.workingDirInit}\n`;
  await sandbox.apply(params, NAMESPACE);
  await sandbox.kubectl(['label', 'namespace', NAMESPACE, 'tekton-attest.dev/hardening=enabled']);
  await policyInForce();
  // A test Fulcio that trusts the sandbox's service-account tokens, as Fulcio's kubernetes issuer does.
  const jwks = JSON.parse(await sandbox.kubectl(['get', '--raw', '/openid/v1/jwks'])) as {
    keys: JsonWebKey[];
  };
  sigstore = await startSigstore({
    clusterIssuerKey: createPublicKey({ key: jwks.keys[0] as JsonWebKey, format: 'jwk' }),
  });
}, 600_000);

/** The API server compiles a new policy and learns its binding and params asynchronously: wait until it refuses. */
async function policyInForce(): Promise<void> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'probe' },
    spec: { serviceAccountName: 'tekton-attest', containers: [{ name: 'c', image: 'probe' }] },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await sandbox.run('kubectl', ['create', '--dry-run=server', '-n', NAMESPACE, '-f', '-'], {
      input: JSON.stringify(pod),
    });
    if (r.stderr.includes(POLICY)) return;
    if (Date.now() > deadline)
      throw new Error(`the policy is not in force after 60s: ${r.stdout}${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

afterAll(async () => {
  await sandbox?.down();
  await sigstore?.stop();
});

const TASK_IMAGE = (() => {
  const task = parse(readFileSync(join(repoRoot, 'task/tekton-attest.yaml'), 'utf8')) as KubeObject;
  return task.spec.steps[0].image as string;
})();

const step = (script: string, image = 'docker.io/library/busybox:1.36') => ({ name: 'run', image, script });

/** A pod the API server is asked to admit directly (kubectl create), with its outcome. */
async function createPod(name: string, spec: KubeObject) {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec };
  return sandbox.run('kubectl', ['create', '-n', NAMESPACE, '-f', '-'], { input: JSON.stringify(pod) });
}

describe('the hardening kit on the real API server', () => {
  it('refuses another image under tekton-attest and another service account reading the key; admits the attest image', async () => {
    const impostor = await createPod('impostor', {
      serviceAccountName: 'tekton-attest',
      containers: [{ name: 'c', image: TASK_IMAGE, command: ['true'] }],
      initContainers: [{ name: 'i', image: 'docker.io/library/busybox:1.36', command: ['true'] }],
    });
    expect(impostor.code).not.toBe(0);
    expect(impostor.stderr).toContain(POLICY);
    expect(impostor.stderr).toContain(
      'runs as ServiceAccount tekton-attest with images outside the tekton-attest-hardening ConfigMap: docker.io/library/busybox:1.36',
    );

    const thief = await createPod('thief', {
      serviceAccountName: 'pipeline',
      containers: [
        {
          name: 'c',
          image: 'docker.io/library/busybox:1.36',
          command: ['true'],
          env: [{ name: 'KEY', valueFrom: { secretKeyRef: { name: 'signing-secrets', key: 'cosign.key' } } }],
        },
      ],
    });
    expect(thief.code).not.toBe(0);
    expect(thief.stderr).toContain(POLICY);
    expect(thief.stderr).toContain(
      'runs as ServiceAccount pipeline and reads the signing Secret signing-secrets',
    );

    // The pinned image holds Node: under that identity it may run the attest command and nothing else.
    const attestStep = (extra: KubeObject = {}) => ({
      name: 'step-attest',
      image: TASK_IMAGE,
      command: ['/tekton/bin/entrypoint'],
      args: [
        '-post_file',
        '/tekton/run/0/out',
        '-entrypoint',
        '/nodejs/bin/node',
        '--',
        '/app/dist/cli.js',
        'attest',
      ],
      ...extra,
    });
    const otherCode = [
      { args: ['-entrypoint', '/nodejs/bin/node', '--', '-e', 'sign(anything)'] },
      { env: [{ name: 'NODE_OPTIONS', value: '--require /workspace/evil.js' }] },
      { volumeMounts: [{ name: 'w', mountPath: '/app/dist' }] },
    ];
    for (const [i, extra] of otherCode.entries()) {
      const pod = await createPod(`other-code-${i}`, {
        serviceAccountName: 'tekton-attest',
        containers: [attestStep(extra)],
        volumes: [{ name: 'w', emptyDir: {} }],
      });
      expect(pod.code, JSON.stringify(extra)).not.toBe(0);
      expect(pod.stderr).toContain('with a step that does not run exactly node /app/dist/cli.js attest');
    }

    const attest = await createPod('attest-by-hand', {
      serviceAccountName: 'tekton-attest',
      containers: [attestStep({ env: [{ name: 'TEKTON_ATTEST_PIPELINERUN', value: 'none' }] })],
      volumes: [{ name: 'key', secret: { secretName: 'signing-secrets' } }],
    });
    expect(attest.stderr).toBe('');
    expect(attest.code).toBe(0);

    // The pipeline's service account has no right left to the key (the kit moved the binding).
    const canRead = await sandbox.run('kubectl', [
      'auth',
      'can-i',
      'get',
      'secret/signing-secrets',
      '-n',
      NAMESPACE,
      `--as=system:serviceaccount:${NAMESPACE}:pipeline`,
    ]);
    expect(canRead.stdout.trim()).toBe('no');
  });
});

const childOf = async (run: KubeObject, pipelineTask: string) => {
  const ref = (run.status.childReferences as KubeObject[]).find((c) => c.pipelineTaskName === pipelineTask);
  return (await sandbox.get('taskrun', ref?.name, NAMESPACE)) as KubeObject;
};
const succeeded = (run: KubeObject) =>
  (run.status.conditions as KubeObject[]).find((c) => c.type === 'Succeeded') as KubeObject;

describe('the hardening kit under Tekton', () => {
  it(
    'a Task running as tekton-attest or mounting the key fails naming the policy; the attest finally task signs',
    async () => {
      await sandbox.apply(
        {
          apiVersion: 'tekton.dev/v1',
          kind: 'PipelineRun',
          metadata: { name: 'hardened' },
          spec: {
            taskRunTemplate: { serviceAccountName: 'pipeline' },
            taskRunSpecs: [
              { pipelineTaskName: 'impostor', serviceAccountName: 'tekton-attest' },
              { pipelineTaskName: 'attest', serviceAccountName: 'tekton-attest' },
            ],
            workspaces: [{ name: 'signing-secrets', secret: { secretName: 'signing-secrets' } }],
            pipelineSpec: {
              workspaces: [{ name: 'signing-secrets' }],
              tasks: [
                { name: 'build', taskSpec: { steps: [step('echo built')] } },
                // Signs whatever it likes with the attest identity: its own image under tekton-attest.
                { name: 'impostor', taskSpec: { steps: [step('echo signing anything')] } },
                // Reads the key as the pipeline's service account, through the same workspace.
                {
                  name: 'thief',
                  workspaces: [{ name: 'key', workspace: 'signing-secrets' }],
                  taskSpec: {
                    workspaces: [{ name: 'key' }],
                    steps: [step('cat $(workspaces.key.path)/cosign.key')],
                  },
                },
              ],
              finally: [
                {
                  name: 'attest',
                  taskRef: { name: 'tekton-attest' },
                  params: [
                    { name: 'pipelinerun-name', value: '$(context.pipelineRun.name)' },
                    { name: 'storage', value: 'tekton' },
                  ],
                  workspaces: [{ name: 'signing-secrets', workspace: 'signing-secrets' }],
                },
              ],
            },
          },
        },
        NAMESPACE,
      );
      const run = await sandbox.waitForRun('pipelinerun', 'hardened', NAMESPACE);

      const build = await childOf(run, 'build');
      expect(succeeded(build), sandbox.logs()).toMatchObject({ status: 'True' });
      for (const [task, refusal] of [
        [
          'impostor',
          'runs as ServiceAccount tekton-attest with images outside the tekton-attest-hardening ConfigMap',
        ],
        ['thief', 'runs as ServiceAccount pipeline and reads the signing Secret signing-secrets'],
      ]) {
        const taskRun = await childOf(run, task as string);
        const condition = succeeded(taskRun);
        expect(condition.status, `${task}: ${JSON.stringify(condition)}`).toBe('False');
        expect(condition.message).toContain(POLICY);
        expect(condition.message).toContain(refusal);
        expect(taskRun.status.podName ?? '').toBe('');
      }

      const attest = await childOf(run, 'attest');
      expect(succeeded(attest), sandbox.logs()).toMatchObject({ status: 'True' });
      const pod = (await sandbox.get('pod', attest.status.podName, NAMESPACE)) as KubeObject;
      expect(pod.spec.serviceAccountName).toBe('tekton-attest');
      const results = new Map((attest.status.results as KubeObject[]).map((r) => [r.name, r.value]));
      const storage = JSON.parse(results.get('STORAGE')) as KubeObject[];
      expect(storage[0]).toEqual({
        backend: 'tekton',
        ok: true,
        locations: [expect.stringContaining('hardened')],
      });
      // Then each sibling TaskRun's own attestation (Chains' artifacts.taskrun default), through the binding
      // hardening/rbac.yaml moves to tekton-attest.
      expect(storage.length).toBeGreaterThan(1);
      for (const entry of storage.slice(1)) {
        expect(entry).toMatchObject({ backend: 'tekton', run: expect.stringMatching(/^TaskRun /), ok: true });
      }
      const signed = (await sandbox.get('pipelinerun', 'hardened', NAMESPACE)) as KubeObject;
      expect(statementFromAnnotations(signed).predicateType).toBe('https://slsa.dev/provenance/v1');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'keyless: the Fulcio certificate names the tekton-attest identity, not the pipeline',
    async () => {
      await sandbox.apply(
        {
          apiVersion: 'tekton.dev/v1',
          kind: 'PipelineRun',
          metadata: { name: 'hardened-keyless' },
          spec: {
            taskRunTemplate: { serviceAccountName: 'pipeline' },
            taskRunSpecs: [{ pipelineTaskName: 'attest', serviceAccountName: 'tekton-attest' }],
            pipelineSpec: {
              tasks: [{ name: 'build', taskSpec: { steps: [step('echo built')] } }],
              finally: [
                {
                  name: 'attest',
                  taskRef: { name: 'tekton-attest' },
                  params: [
                    { name: 'pipelinerun-name', value: '$(context.pipelineRun.name)' },
                    { name: 'storage', value: 'tekton' },
                    { name: 'signer', value: 'keyless' },
                    { name: 'fulcio-url', value: sigstore.fulcioUrl },
                  ],
                },
              ],
            },
          },
        },
        NAMESPACE,
      );
      const run = await sandbox.waitForRun('pipelinerun', 'hardened-keyless', NAMESPACE);
      expect(succeeded(await childOf(run, 'attest')), sandbox.logs()).toMatchObject({ status: 'True' });
      const signed = (await sandbox.get('pipelinerun', 'hardened-keyless', NAMESPACE)) as KubeObject;
      const pem = signed.metadata.annotations[`chains.tekton.dev/cert-pipelinerun-${signed.metadata.uid}`];
      const certificate = new X509Certificate(Buffer.from(pem, 'base64'));
      expect(certificate.subjectAltName).toBe(
        `URI:https://kubernetes.io/namespaces/${NAMESPACE}/serviceaccounts/tekton-attest`,
      );
    },
    RUN_TIMEOUT_MS,
  );
});
