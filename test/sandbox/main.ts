// The local Tekton sandbox's supervisor: `node --import ./test/sandbox/ts-resolve.mjs test/sandbox/main.ts DIR`
// (scripts/sandbox.sh runs it in the background). It starts, on 127.0.0.1: etcd + kube-apiserver with Tekton's
// CRDs and release ConfigMaps, Tekton Pipelines' own controller and resolvers, the step runner standing in for
// the kubelet (test/sandbox/kubelet.ts) and Debian's docker-registry; writes DIR/kubeconfig, DIR/registry and
// DIR/ready once the controller and resolvers hold their leases; stops everything on SIGTERM.
// Inputs (set by scripts/sandbox.sh): TEKTON_SANDBOX_TEKTON_DIR (scripts/peers/build-tekton.sh's directory),
// KUBEBUILDER_ASSETS (kube-apiserver and etcd).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { freePort, makeTestCa, startRegistry } from '../harness/registry.js';
import { type KubeObject, spawnWatchdog, startKubeApiServer } from '../peers/kube-apiserver.js';
import { repoRoot } from '../peers/versions.js';
import { SANDBOX_IMAGES } from './images.js';
import { type ImageMount, startKubelet } from './kubelet.js';

/** A step whose image is this repository runs this checkout's built CLI. */
const TEKTON_ATTEST_IMAGE = 'ghcr.io/tekton-attest/tekton-attest';
const NODE_NAME = 'sandbox';

const dir = resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: main.ts DIR');
  process.exit(2);
}
const tektonDir = process.env.TEKTON_SANDBOX_TEKTON_DIR ?? '';
const logsDir = join(dir, 'logs');
mkdirSync(logsDir, { recursive: true });
const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)}s`;

const children: ChildProcess[] = [];
const stops: Array<() => Promise<void>> = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    rmSync(join(dir, 'ready'), { force: true });
    log('stopping');
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null || c.signalCode !== null) return r();
            const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
            c.once('exit', () => {
              clearTimeout(timer);
              r();
            });
          }),
      ),
    );
    for (const stop of stops.reverse()) await stop().catch((e) => log(`stop: ${e}`));
    rmSync(join(dir, 'pids'), { force: true });
    log('stopped');
  }
  process.exit(code);
}
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

function recordPids(): void {
  const pids = children.map((c) => c.pid).filter((p) => p !== undefined);
  writeFileSync(join(dir, 'pids'), `${pids.join('\n')}\n`);
}

/** Starts a Go peer with its output in DIR/logs/NAME.log; the sandbox stops when it dies. */
function startPeer(name: string, bin: string, args: string[], env: Record<string, string>): ChildProcess {
  const out = openSync(join(logsDir, `${name}.log`), 'a');
  const child = spawn(bin, args, { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  closeSync(out);
  children.push(child);
  recordPids();
  child.once('exit', (code, signal) => {
    if (stopping) return;
    log(`${name} exited (${code ?? signal}); see ${join(logsDir, `${name}.log`)}`);
    void shutdown(1);
  });
  return child;
}

/** Every ConfigMap in the YAML files of `configDir` (not recursive), namespaced as the files say. */
function configMaps(configDir: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const file of readdirSync(configDir).filter((f) => /\.ya?ml$/.test(f))) {
    for (const doc of parseAllDocuments(readFileSync(join(configDir, file), 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind === 'ConfigMap') out.push(obj);
    }
  }
  return out;
}

async function main(): Promise<void> {
  if (!tektonDir) throw new Error('TEKTON_SANDBOX_TEKTON_DIR is not set (run scripts/sandbox.sh up DIR)');
  const api = await startKubeApiServer({
    startTimeoutMs: 120_000,
    // Every pod gets its service-account token volume, as in a real cluster.
    serviceAccountAdmission: true,
  });
  stops.push(() => api.stop());
  writeFileSync(join(dir, 'kubeconfig'), api.kubeconfig(), { mode: 0o600 });
  log(`kube-apiserver ${api.url} (${elapsed()})`);

  await api.installTektonCRDs({ dir: join(tektonDir, 'config', '300-crds') });
  for (const ns of ['tekton-pipelines', 'tekton-pipelines-resolvers']) {
    await api.applyManifest({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  const configs = [
    ...configMaps(join(tektonDir, 'config')),
    ...configMaps(join(tektonDir, 'config', 'resolvers')),
  ];
  for (const cm of configs) {
    if (cm.metadata.name === 'feature-flags' && cm.metadata.namespace === 'tekton-pipelines') {
      // No affinity-assistant StatefulSet can run here: PVC workspaces are plain shared host directories.
      cm.data.coschedule = 'disabled';
    }
    if (cm.metadata.name === 'config-observability') {
      // No metrics listener (it would listen on every interface).
      cm.data = { ...cm.data, 'metrics-protocol': 'none', 'tracing-protocol': 'none' };
    }
  }
  await api.applyManifest(configs);
  log(`Tekton CRDs and ${configs.length} ConfigMaps (${elapsed()})`);

  const tlsDir = join(dir, 'kubelet-tls');
  mkdirSync(tlsDir, { recursive: true });
  const tls = makeTestCa(tlsDir);
  const distDir = join(repoRoot, 'dist');
  const kubelet = await startKubelet({
    api,
    stateDir: join(dir, 'state'),
    nodeName: NODE_NAME,
    containerScript: join(repoRoot, 'test', 'sandbox', 'container.sh'),
    tls: { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') },
    imageMounts(image): ImageMount[] {
      if (image === SANDBOX_IMAGES.entrypoint) {
        return [{ hostPath: join(tektonDir, 'entrypoint'), path: '/ko-app/entrypoint' }];
      }
      if (image === SANDBOX_IMAGES.workingDirInit) {
        return [{ hostPath: join(tektonDir, 'workingdirinit'), path: '/ko-app/workingdirinit' }];
      }
      if (image.startsWith(`${TEKTON_ATTEST_IMAGE}:`) || image.startsWith(`${TEKTON_ATTEST_IMAGE}@`)) {
        return [
          { hostPath: distDir, path: '/app/dist' },
          { hostPath: process.execPath, path: '/nodejs/bin/node' },
        ];
      }
      return [];
    },
    log: (line) => log(`step-runner: ${line}`),
  });
  stops.push(() => kubelet.stop());
  log(`step runner: node ${NODE_NAME}, kubelet API 127.0.0.1:${kubelet.port} (${elapsed()})`);

  const registry = await startRegistry();
  stops.push(() => registry.stop());
  writeFileSync(join(dir, 'registry'), `${registry.host}\n`);
  log(`docker-registry ${registry.host} (${elapsed()})`);
  recordPids();

  const kubeconfig = join(dir, 'kubeconfig');
  const [controllerProbes, controllerProfiling, resolversProbes, resolversProfiling] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  // Flags and env as config/controller.yaml and config/resolvers/resolvers-deployment.yaml set them.
  const controller = startPeer(
    'controller',
    join(tektonDir, 'controller'),
    [
      '-kubeconfig',
      kubeconfig,
      '-entrypoint-image',
      SANDBOX_IMAGES.entrypoint,
      '-nop-image',
      SANDBOX_IMAGES.nop,
      '-sidecarlogresults-image',
      SANDBOX_IMAGES.sidecarLogResults,
      '-workingdirinit-image',
      SANDBOX_IMAGES.workingDirInit,
      '-shell-image',
      SANDBOX_IMAGES.shell,
      '-shell-image-win',
      SANDBOX_IMAGES.shellWindows,
    ],
    {
      SYSTEM_NAMESPACE: 'tekton-pipelines',
      KUBERNETES_MIN_VERSION: 'v1.28.0',
      CONFIG_DEFAULTS_NAME: 'config-defaults',
      CONFIG_LOGGING_NAME: 'config-logging',
      CONFIG_OBSERVABILITY_NAME: 'config-observability',
      CONFIG_FEATURE_FLAGS_NAME: 'feature-flags',
      CONFIG_LEADERELECTION_NAME: 'config-leader-election-controller',
      CONFIG_SPIRE: 'config-spire',
      METRICS_DOMAIN: 'tekton.dev/pipeline',
      PROBES_PORT: String(controllerProbes),
      PROFILING_PORT: String(controllerProfiling),
    },
  );
  const resolvers = startPeer('resolvers', join(tektonDir, 'resolvers'), ['-kubeconfig', kubeconfig], {
    SYSTEM_NAMESPACE: 'tekton-pipelines-resolvers',
    KUBERNETES_MIN_VERSION: 'v1.28.0',
    CONFIG_LOGGING_NAME: 'config-logging',
    CONFIG_OBSERVABILITY_NAME: 'config-observability',
    CONFIG_FEATURE_FLAGS_NAME: 'feature-flags',
    CONFIG_LEADERELECTION_NAME: 'config-leader-election-resolvers',
    METRICS_DOMAIN: 'tekton.dev/resolution',
    PROBES_PORT: String(resolversProbes),
    PROFILING_PORT: String(resolversProfiling),
    TEKTON_HUB_API: '',
    ARTIFACT_HUB_API: 'https://artifacthub.io/',
  });
  const watchdogPids = [controller.pid, resolvers.pid].filter((p): p is number => p !== undefined);
  const watchdog = spawnWatchdog(watchdogPids, '');
  stops.push(async () => void watchdog.kill('SIGKILL'));

  // Ready: the controller's TaskRun and PipelineRun reconcilers and the resolvers hold their leader leases.
  const holders = async (ns: string) => {
    const r = await api.request('GET', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`);
    return ((r.body?.items ?? []) as KubeObject[])
      .filter((l) => l.spec?.holderIdentity)
      .map((l) => l.metadata.name as string);
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    const held = [...(await holders('tekton-pipelines')), ...(await holders('tekton-pipelines-resolvers'))];
    const has = (s: string) => held.some((n) => n.includes(s));
    if (has('reconciler.taskrun') && has('reconciler.pipelinerun') && has('bundleresolver')) break;
    if (Date.now() > deadline)
      throw new Error(`controller not ready after 120s (leases held: ${held.join(', ')})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  writeFileSync(
    join(dir, 'ready'),
    `${JSON.stringify({ url: api.url, registry: registry.host, upSeconds: (performance.now() - t0) / 1000 })}\n`,
  );
  log(`ready (${elapsed()})`);
}

main().catch(async (e) => {
  log(`sandbox failed: ${e instanceof Error ? e.message : e}`);
  await shutdown(1);
});
