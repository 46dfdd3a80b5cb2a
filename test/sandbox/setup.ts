// What a user does before running the example pipeline on the sandbox, as README.md's "Use it in a Pipeline"
// says: apply the Task, its Roles and the example ServiceAccount, make the cosign key Secret with cosign itself
// and the registry Secret; plus the stand-ins for the catalog Tasks the example pipeline names (the sandbox has
// no network): git-clone and buildah as cluster Tasks, trivy-scanner as a Tekton Bundle in the sandbox registry.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCosign } from '../peers/cosign.js';
import type { KubeObject } from '../peers/kube-apiserver.js';
import { repoRoot } from '../peers/versions.js';
import { loadYaml, type Sandbox } from './sandbox.js';

const COSIGN_PASSWORD = 'sandbox-key-password';

/** The trivy-scanner bundle task/examples/pipeline.yaml names (gcr.io, not reachable here), as README's sed says. */
const UPSTREAM_TRIVY_BUNDLE = /gcr\.io\/tekton-releases\/catalog\/upstream\/trivy-scanner@sha256:[0-9a-f]*/g;

export interface AttestSetup {
  namespace: string;
  /** cosign.pub of the signing-secrets key. */
  publicKeyFile: string;
}

/** README: `kubectl apply -f task/tekton-attest.yaml`, `-f task/rbac.yaml`, the example SA, the Secrets. */
export async function installAttestTask(
  sandbox: Sandbox,
  namespace = 'default',
  opts: { rbac?: boolean } = {},
): Promise<AttestSetup> {
  if (namespace !== 'default') await sandbox.kubectl(['create', 'namespace', namespace]);
  const apply = (file: string) => sandbox.kubectl(['apply', '-n', namespace, '-f', join(repoRoot, file)]);
  await apply('task/tekton-attest.yaml');
  if (opts.rbac !== false) await apply('task/rbac.yaml');
  await apply('task/examples/serviceaccount.yaml');
  // The registry is anonymous; the Secret is what a user's pipeline carries (Tekton's credential init reads it).
  // biome-ignore format: kubectl arguments read best as flag=value
  await sandbox.kubectl([
    'create', 'secret', 'docker-registry', 'registry-credentials', '-n', namespace,
    `--docker-server=${sandbox.registry}`, '--docker-username=pipeline', '--docker-password=sandbox-registry',
  ]);
  const keyDir = mkdtempSync(join(sandbox.dir, 'key-'));
  const keygen = await runCosign(['generate-key-pair', `k8s://${namespace}/signing-secrets`], {
    cwd: keyDir,
    env: { KUBECONFIG: sandbox.kubeconfig, COSIGN_PASSWORD },
  });
  if (keygen.code !== 0) throw new Error(`cosign generate-key-pair failed: ${keygen.stderr}`);
  return { namespace, publicKeyFile: join(keyDir, 'cosign.pub') };
}

/**
 * README's "Try it on a local Tekton": the catalog stand-ins as cluster Tasks and as a bundle in the sandbox
 * registry, and task/examples/pipeline.yaml with its trivy-scanner bundle replaced by that one.
 */
export async function installExamplePipeline(
  sandbox: Sandbox,
  namespace = 'default',
  attestParams: Record<string, string> = {},
): Promise<void> {
  const standIns = loadYaml('test/sandbox/catalog-standins.yaml');
  await sandbox.apply(standIns, namespace);
  const bundle = await pushBundle(sandbox, 'catalog/trivy-scanner:0.2', standIns);
  const text = readFileSync(join(repoRoot, 'task/examples/pipeline.yaml'), 'utf8');
  const replaced = text.replaceAll(UPSTREAM_TRIVY_BUNDLE, bundle);
  if (replaced === text) throw new Error('task/examples/pipeline.yaml names no trivy-scanner bundle');
  const pipeline = parse(replaced) as KubeObject;
  // Task params the example's Pipeline does not expose (e.g. a test Fulcio and Rekor instead of sigstore.dev).
  const attest = (pipeline.spec.finally as KubeObject[]).find((t) => t.name === 'attest') as KubeObject;
  for (const [name, value] of Object.entries(attestParams)) attest.params.push({ name, value });
  await sandbox.apply(pipeline, namespace);
}

/** `tekton-attest bundle push` of `objects` to the sandbox registry; returns the pushed reference (with digest). */
export async function pushBundle(
  sandbox: Sandbox,
  repoAndTag: string,
  objects: KubeObject[],
): Promise<string> {
  const file = join(mkdtempSync(join(sandbox.dir, 'bundle-')), 'objects.yaml');
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  const pushed = await sandbox.run('tekton-attest', [
    'bundle',
    'push',
    `${sandbox.registry}/${repoAndTag}`,
    '--file',
    file,
  ]);
  if (pushed.code !== 0) throw new Error(`bundle push failed: ${pushed.stderr}`);
  return pushed.stdout.trim();
}

/** task/examples/pipelinerun.yaml with its registry (registry.example.com) replaced by the sandbox's. */
export function examplePipelineRun(sandbox: Sandbox): string {
  const text = readFileSync(join(repoRoot, 'task/examples/pipelinerun.yaml'), 'utf8');
  return text.replaceAll('registry.example.com', sandbox.registry);
}

/** The PipelineRun's Chains payload annotation, decoded (the in-toto statement tekton-attest signed). */
export function statementFromAnnotations(pipelineRun: KubeObject): KubeObject {
  const key = `chains.tekton.dev/payload-pipelinerun-${pipelineRun.metadata.uid}`;
  const payload = pipelineRun.metadata.annotations?.[key];
  if (!payload) {
    throw new Error(
      `no ${key} annotation: ${JSON.stringify(Object.keys(pipelineRun.metadata.annotations ?? {}))}`,
    );
  }
  return JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as KubeObject;
}

export { COSIGN_PASSWORD };
