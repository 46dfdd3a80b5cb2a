// The sandbox's step runner: a stand-in for the kubelet (and for the two kube-controller-manager loops pods
// need), since the machines have no container runtime. It binds every Pod to its one Node, materializes the
// pod's volumes as host directories, runs the init containers in order and then all containers at once, each
// in a private mount namespace (test/sandbox/container.sh) rooted at an overlay of the host's /, and writes
// back what the kubelet writes: container statuses (running, terminated with exit code, times, termination
// message, image ID), the pod phase and conditions. Tekton's own entrypoint binary runs inside each step
// container, so step ordering, results and termination messages are Tekton's. Container logs are served
// to the apiserver on the kubelet's API (/containerLogs), so `kubectl logs` and `tkn ... logs` work.
// What it does not emulate is listed in docs/sandbox.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { dirname, join } from 'node:path';
import type { KubeApiServer, KubeObject } from '../peers/kube-apiserver.js';

/** A host path an image provides inside its containers (images are never pulled). */
export interface ImageMount {
  hostPath: string;
  path: string;
}

export interface KubeletOptions {
  api: KubeApiServer;
  /** Where pods' volumes, container roots and logs live. */
  stateDir: string;
  nodeName: string;
  /** test/sandbox/container.sh: builds a container's root in its private mount namespace. */
  containerScript: string;
  /** What an image adds to the host's filesystem in its containers. */
  imageMounts(image: string): ImageMount[];
  /** PEM certificate and key the kubelet API serves (the apiserver fetches container logs from it). */
  tls: { cert: string; key: string };
  /** Progress lines (one per pod and container event). */
  log(line: string): void;
}

export interface Kubelet {
  /** Port of the kubelet API on 127.0.0.1. */
  port: number;
  /** Stop every container, the API and the loops. */
  stop(): Promise<void>;
}

const POLL_MS = 300;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The kubelet keeps at most this much of a termination message (per container). */
const TERMINATION_MESSAGE_LIMIT = 4096;

class RetryLater extends Error {}

interface ContainerRun {
  name: string;
  image: string;
  logFile: string;
  process?: ChildProcess;
  status: KubeObject;
  done: boolean;
  /** Tekton swapped the image (the nop image, to stop a sidecar): the container ends as if it had run it. */
  imageReplaced?: boolean;
}

interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  pod: KubeObject;
  dir: string;
  volumes: Map<string, string>;
  /** Downward API files and tokens rewritten on every poll (annotations change, tokens expire). */
  refreshers: Array<() => Promise<void>>;
  containers: Map<string, ContainerRun>;
  initContainers: Map<string, ContainerRun>;
  phase: string;
  startTime: string;
  stopped: boolean;
  statusWrite: Promise<void>;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startKubelet(opts: KubeletOptions): Promise<Kubelet> {
  const { api, nodeName } = opts;
  const runs = new Map<string, PodRun>();
  const namespacesReady = new Set<string>();
  let stopping = false;

  const apiUrl = new URL(api.url);
  const serviceEnv: Record<string, string> = {
    KUBERNETES_SERVICE_HOST: apiUrl.hostname,
    KUBERNETES_SERVICE_PORT: apiUrl.port,
    KUBERNETES_SERVICE_PORT_HTTPS: apiUrl.port,
    KUBERNETES_PORT: `tcp://${apiUrl.hostname}:${apiUrl.port}`,
    KUBERNETES_PORT_443_TCP: `tcp://${apiUrl.hostname}:${apiUrl.port}`,
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_ADDR: apiUrl.hostname,
    KUBERNETES_PORT_443_TCP_PORT: apiUrl.port,
  };

  const must = async (method: string, path: string, body?: unknown, contentType?: string) => {
    const r = await api.request(method, path, {
      ...(body === undefined ? {} : { body }),
      ...(contentType ? { contentType } : {}),
    });
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} -> ${r.status}: ${r.text}`);
    return r.body;
  };

  // ---- the kubelet API: container logs for `kubectl logs` (the apiserver proxies to it) ----
  const server: Server = createServer({ cert: opts.tls.cert, key: opts.tls.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const run = m ? [...runs.values()].find((r) => r.namespace === m[1] && r.name === m[2]) : undefined;
    const container =
      run && m ? (run.containers.get(m[3] ?? '') ?? run.initContainers.get(m[3] ?? '')) : undefined;
    if (!container) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('container not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    void streamLog(container, url.searchParams.get('follow') === 'true', res, () => stopping);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  // ---- the Node the pods are bound to ----
  const nodeStatus = {
    // Only an IP: the apiserver reaches the kubelet API (logs) by the first address type it prefers.
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    daemonEndpoints: { kubeletEndpoint: { Port: port } },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'tekton-attest sandbox step runner',
        lastHeartbeatTime: now(),
        lastTransitionTime: now(),
      },
    ],
    nodeInfo: {
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      operatingSystem: 'linux',
      kubeletVersion: 'sandbox',
      containerRuntimeVersion: 'sandbox://0',
      kernelVersion: '',
      osImage: '',
      bootID: '',
      machineID: '',
      systemUUID: '',
      kubeProxyVersion: '',
    },
  };
  await must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
  await must(
    'PATCH',
    `/api/v1/nodes/${nodeName}/status`,
    { status: nodeStatus },
    'application/merge-patch+json',
  );

  // ---- per-namespace objects the kube-controller-manager would create ----
  const ensureNamespaceObjects = async () => {
    const list = await must('GET', '/api/v1/namespaces');
    for (const ns of list.items as KubeObject[]) {
      const name = ns.metadata.name as string;
      if (namespacesReady.has(name) || ns.status?.phase === 'Terminating') continue;
      const create = async (path: string, obj: KubeObject) => {
        const r = await api.request('POST', path, { body: obj });
        if (r.status !== 201 && r.status !== 409) throw new Error(`POST ${path} -> ${r.status}: ${r.text}`);
      };
      // The serviceaccount controller: every namespace has a `default` ServiceAccount.
      await create(`/api/v1/namespaces/${name}/serviceaccounts`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default' },
      });
      // The root-ca-cert-publisher: the CA every service-account token volume projects as ca.crt.
      await create(`/api/v1/namespaces/${name}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kube-root-ca.crt' },
        data: { 'ca.crt': api.caPem },
      });
      namespacesReady.add(name);
    }
  };

  // ---- status writing (serialized per pod) ----
  const writeStatus = (run: PodRun) => {
    const containerStatuses = (list: Map<string, ContainerRun>) => [...list.values()].map((c) => c.status);
    const initialized = [...run.initContainers.values()].every(
      (c) => c.status.state.terminated?.exitCode === 0,
    );
    const ready =
      run.phase === 'Running' && [...run.containers.values()].every((c) => c.status.state.running);
    const condition = (type: string, status: boolean) => ({
      type,
      status: status ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: now(),
    });
    const status = {
      phase: run.phase,
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: '127.0.0.1',
      podIPs: [{ ip: '127.0.0.1' }],
      startTime: run.startTime,
      conditions: [
        condition('PodScheduled', true),
        condition('Initialized', initialized),
        condition('ContainersReady', ready),
        condition('Ready', ready),
      ],
      initContainerStatuses: containerStatuses(run.initContainers),
      containerStatuses: containerStatuses(run.containers),
    };
    const path = `/api/v1/namespaces/${run.namespace}/pods/${run.name}/status`;
    run.statusWrite = run.statusWrite.then(async () => {
      const r = await api.request('PATCH', path, {
        body: { status },
        contentType: 'application/merge-patch+json',
      });
      if (r.status === 404) return;
      if (r.status < 200 || r.status > 299)
        opts.log(`pod ${run.namespace}/${run.name}: status write ${r.status}: ${r.text}`);
    });
    return run.statusWrite;
  };

  // ---- volumes ----
  const fieldValue = (pod: KubeObject, fieldPath: string): string => {
    const meta = pod.metadata ?? {};
    const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
    if (keyed) return meta[keyed[1] as string]?.[keyed[2] as string] ?? '';
    const map = (m: Record<string, string> | undefined) =>
      Object.keys(m ?? {})
        .sort()
        .map((k) => `${k}=${JSON.stringify(m?.[k])}`)
        .join('\n');
    switch (fieldPath) {
      case 'metadata.name':
        return meta.name;
      case 'metadata.namespace':
        return meta.namespace;
      case 'metadata.uid':
        return meta.uid;
      case 'metadata.labels':
        return map(meta.labels);
      case 'metadata.annotations':
        return map(meta.annotations);
      case 'spec.nodeName':
        return nodeName;
      case 'spec.serviceAccountName':
        return pod.spec.serviceAccountName ?? 'default';
      case 'status.hostIP':
      case 'status.podIP':
      case 'status.hostIPs':
      case 'status.podIPs':
        return '127.0.0.1';
      default:
        throw new Error(`fieldRef ${fieldPath} is not emulated by the sandbox`);
    }
  };

  const writeFileMode = (file: string, content: string | Buffer, mode: number) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    chmodSync(file, mode);
  };

  const keyedSource = async (
    run: PodRun,
    kind: 'secrets' | 'configmaps',
    name: string,
    optional: boolean,
    items: KubeObject[] | undefined,
    dir: string,
    defaultMode: number,
  ) => {
    const r = await api.request('GET', `/api/v1/namespaces/${run.namespace}/${kind}/${name}`);
    if (r.status === 404) {
      if (optional) return;
      throw new RetryLater(`${kind === 'secrets' ? 'secret' : 'configmap'} "${name}" not found`);
    }
    if (r.status !== 200) throw new Error(`GET ${kind}/${name} -> ${r.status}`);
    const values = new Map<string, Buffer>();
    for (const [k, v] of Object.entries((r.body.data ?? {}) as Record<string, string>)) {
      values.set(k, kind === 'secrets' ? Buffer.from(v, 'base64') : Buffer.from(v));
    }
    for (const [k, v] of Object.entries((r.body.binaryData ?? {}) as Record<string, string>)) {
      values.set(k, Buffer.from(v, 'base64'));
    }
    const wanted: KubeObject[] = items ?? [...values.keys()].map((key) => ({ key, path: key }));
    for (const item of wanted) {
      const value = values.get(item.key);
      if (value === undefined) {
        if (optional) continue;
        throw new RetryLater(`key "${item.key}" not in ${kind}/${name}`);
      }
      writeFileMode(join(dir, item.path), value, item.mode ?? defaultMode);
    }
  };

  const serviceAccountToken = async (
    run: PodRun,
    file: string,
    audience: string | undefined,
    expiry: number,
  ) => {
    const sa = run.pod.spec.serviceAccountName ?? 'default';
    const tr = await must('POST', `/api/v1/namespaces/${run.namespace}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: audience ? [audience] : [],
        expirationSeconds: expiry,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: run.name, uid: run.uid },
      },
    });
    writeFileMode(file, tr.status.token, 0o644);
  };

  const materializeVolume = async (run: PodRun, vol: KubeObject): Promise<string> => {
    const dir = join(run.dir, 'volumes', vol.name);
    mkdirSync(dir, { recursive: true });
    const downward = (items: KubeObject[], base: string, mode: number) => {
      const write = async () => {
        for (const item of items) {
          if (!item.fieldRef) continue; // resourceFieldRef: no resources here
          writeFileMode(
            join(base, item.path),
            fieldValue(run.pod, item.fieldRef.fieldPath),
            item.mode ?? mode,
          );
        }
      };
      run.refreshers.push(write);
      return write();
    };
    const token = async (src: KubeObject, base: string) => {
      const expiry = src.expirationSeconds ?? 3600;
      const file = join(base, src.path);
      let issued = Date.now();
      await serviceAccountToken(run, file, src.audience, expiry);
      // The kubelet rotates a projected token at 80% of its lifetime.
      run.refreshers.push(async () => {
        if (Date.now() - issued < expiry * 800) return;
        issued = Date.now();
        await serviceAccountToken(run, file, src.audience, expiry);
      });
    };
    if (vol.emptyDir) {
      chmodSync(dir, 0o777);
    } else if (vol.secret) {
      const s = vol.secret;
      await keyedSource(run, 'secrets', s.secretName, !!s.optional, s.items, dir, s.defaultMode ?? 0o644);
    } else if (vol.configMap) {
      const c = vol.configMap;
      await keyedSource(run, 'configmaps', c.name, !!c.optional, c.items, dir, c.defaultMode ?? 0o644);
    } else if (vol.downwardAPI) {
      await downward(vol.downwardAPI.items ?? [], dir, vol.downwardAPI.defaultMode ?? 0o644);
    } else if (vol.projected) {
      const mode = vol.projected.defaultMode ?? 0o644;
      for (const src of vol.projected.sources as KubeObject[]) {
        if (src.serviceAccountToken) await token(src.serviceAccountToken, dir);
        else if (src.secret) {
          const s = src.secret;
          await keyedSource(run, 'secrets', s.name, !!s.optional, s.items, dir, mode);
        } else if (src.configMap) {
          const c = src.configMap;
          await keyedSource(run, 'configmaps', c.name, !!c.optional, c.items, dir, mode);
        } else if (src.downwardAPI) await downward(src.downwardAPI.items ?? [], dir, mode);
        else throw new Error(`projected source ${Object.keys(src).join(',')} is not emulated by the sandbox`);
      }
    } else if (vol.persistentVolumeClaim) {
      // A claim is a host directory shared by every pod of the namespace that mounts it.
      const claimDir = join(opts.stateDir, 'claims', run.namespace, vol.persistentVolumeClaim.claimName);
      mkdirSync(claimDir, { recursive: true });
      chmodSync(claimDir, 0o777);
      return claimDir;
    } else if (vol.hostPath) {
      return vol.hostPath.path;
    } else {
      throw new Error(`volume ${vol.name}: ${Object.keys(vol).join(',')} is not emulated by the sandbox`);
    }
    return dir;
  };

  // ---- containers ----
  const imageId = (image: string) => {
    const at = image.indexOf('@sha256:');
    if (at >= 0) return image;
    // Nothing is pulled, so there is no registry digest: a stable stand-in derived from the reference.
    const repo = image.replace(/:[^/:]+$/, '');
    return `${repo}@sha256:${createHash('sha256').update(image).digest('hex')}`;
  };

  const expand = (s: string, env: Map<string, string>) =>
    s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
      if (whole === '$$') return '$';
      return name !== undefined && env.has(name) ? (env.get(name) as string) : whole;
    });

  const containerEnv = async (run: PodRun, c: KubeObject): Promise<Map<string, string>> => {
    const env = new Map<string, string>(Object.entries(serviceEnv));
    env.set('HOSTNAME', run.name);
    const keyed = async (kind: 'secrets' | 'configmaps', ref: KubeObject): Promise<string | undefined> => {
      const r = await api.request('GET', `/api/v1/namespaces/${run.namespace}/${kind}/${ref.name}`);
      const raw = r.status === 200 ? r.body.data?.[ref.key] : undefined;
      if (raw === undefined) {
        if (ref.optional) return undefined;
        throw new RetryLater(`${kind}/${ref.name} key ${ref.key} not found`);
      }
      return kind === 'secrets' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    };
    for (const from of (c.envFrom ?? []) as KubeObject[]) {
      const ref = from.secretRef ?? from.configMapRef;
      const kind = from.secretRef ? 'secrets' : 'configmaps';
      const r = await api.request('GET', `/api/v1/namespaces/${run.namespace}/${kind}/${ref.name}`);
      if (r.status !== 200) {
        if (ref.optional) continue;
        throw new RetryLater(`${kind}/${ref.name} not found`);
      }
      for (const [k, v] of Object.entries((r.body.data ?? {}) as Record<string, string>)) {
        env.set(
          `${from.prefix ?? ''}${k}`,
          kind === 'secrets' ? Buffer.from(v, 'base64').toString('utf8') : v,
        );
      }
    }
    for (const e of (c.env ?? []) as KubeObject[]) {
      let value: string | undefined;
      if (e.valueFrom?.fieldRef) value = fieldValue(run.pod, e.valueFrom.fieldRef.fieldPath);
      else if (e.valueFrom?.secretKeyRef) value = await keyed('secrets', e.valueFrom.secretKeyRef);
      else if (e.valueFrom?.configMapKeyRef) value = await keyed('configmaps', e.valueFrom.configMapKeyRef);
      else if (e.valueFrom) throw new Error(`env ${e.name}: ${Object.keys(e.valueFrom)} is not emulated`);
      else value = expand(e.value ?? '', env);
      if (value !== undefined) env.set(e.name, value);
    }
    if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH);
    return env;
  };

  const newContainer = (run: PodRun, c: KubeObject): ContainerRun => ({
    name: c.name,
    image: c.image,
    logFile: join(run.dir, 'logs', `${c.name}.log`),
    status: {
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason: 'PodInitializing' } },
    },
    done: false,
  });

  /** Runs one container to its end; resolves with its exit code. */
  const runContainer = async (run: PodRun, c: KubeObject, cr: ContainerRun): Promise<number> => {
    const pod = run.pod;
    const spec = join(run.dir, 'containers', c.name);
    mkdirSync(join(spec, 'rootfs'), { recursive: true });
    mkdirSync(dirname(cr.logFile), { recursive: true });
    const mounts: string[] = [];
    const bad = /[\t\n]/;
    const mount = (host: string, path: string, readOnly: boolean) => {
      if (bad.test(host) || bad.test(path)) throw new Error(`mount path with a tab or newline: ${path}`);
      mounts.push(`${host}\t${path}\t${readOnly ? 'ro' : 'rw'}`);
    };
    for (const m of opts.imageMounts(c.image)) mount(m.hostPath, m.path, true);
    for (const vm of (c.volumeMounts ?? []) as KubeObject[]) {
      const base = run.volumes.get(vm.name);
      if (!base) throw new Error(`volumeMount ${vm.name}: no such volume`);
      let host = base;
      if (vm.subPath) {
        host = join(base, vm.subPath);
        if (!existsSync(host)) {
          mkdirSync(host, { recursive: true });
          chmodSync(host, 0o777);
        }
      }
      mount(host, vm.mountPath, !!vm.readOnly);
    }
    const terminationFile = join(spec, 'termination-log');
    writeFileMode(terminationFile, '', 0o666);
    mount(terminationFile, c.terminationMessagePath ?? '/dev/termination-log', false);

    const env = await containerEnv(run, c);
    const command = [...(c.command ?? []), ...(c.args ?? [])].map((a: string) => expand(a, env));
    if (!c.command?.length) {
      throw new Error(
        `container ${c.name}: no command (image entrypoints are not known: images are not pulled)`,
      );
    }
    const sc = { ...(pod.spec.securityContext ?? {}), ...(c.securityContext ?? {}) };
    const uid = sc.runAsUser ?? 0;
    const gid = sc.runAsGroup ?? 0;
    const groups = [...(pod.spec.securityContext?.supplementalGroups ?? [])];
    if (pod.spec.securityContext?.fsGroup !== undefined) groups.push(pod.spec.securityContext.fsGroup);
    // The container runtime sets HOME from the image's passwd entry when the pod spec does not.
    if (!env.has('HOME')) env.set('HOME', uid === 0 ? '/root' : '/');
    const argv = [
      `--userspec=${uid}:${gid}`,
      ...(groups.length ? [`--groups=${groups.join(',')}`] : []),
      join(spec, 'rootfs', 'root'),
      '/usr/bin/env',
      '-i',
      '-C',
      c.workingDir ?? '/',
      ...[...env].map(([k, v]) => `${k}=${v}`),
      ...command,
    ];
    if (argv.some((a) => a.includes('\0'))) throw new Error(`container ${c.name}: NUL in an argument`);
    // Parents before children (/workspace before /workspace/output), as the container runtime orders mounts.
    const depth = (line: string) => (line.split('\t')[1] ?? '').replace(/\/+$/, '').split('/').length;
    mounts.sort((a, b) => depth(a) - depth(b));
    writeFileSync(join(spec, 'mounts'), mounts.length ? `${mounts.join('\n')}\n` : '');
    writeFileSync(join(spec, 'exec'), `${argv.join('\0')}\0`);
    writeFileSync(join(spec, 'workdir'), c.workingDir ?? '/');

    const out = openSync(cr.logFile, 'a');
    const startedAt = now();
    const child = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'bash', opts.containerScript, spec],
      {
        stdio: ['ignore', out, out],
        detached: true,
      },
    );
    closeSync(out);
    cr.process = child;
    cr.status = {
      ...cr.status,
      imageID: imageId(c.image),
      containerID: `sandbox://${run.uid}/${c.name}`,
      started: true,
      ready: true,
      state: { running: { startedAt } },
    };
    opts.log(`pod ${run.namespace}/${run.name}: container ${c.name} started`);
    void writeStatus(run);
    const processExit = await new Promise<number>((resolve) => {
      child.once('error', () => resolve(128));
      child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 143)));
    });
    cr.process = undefined;
    // The kubelet restarts a container whose image changed; Tekton's nop image exits 0 at once.
    const exitCode = cr.imageReplaced ? 0 : processExit;
    let message = readFileSync(terminationFile, 'utf8');
    if (!message && exitCode !== 0 && c.terminationMessagePolicy === 'FallbackToLogsOnError') {
      message = readFileSync(cr.logFile, 'utf8').split('\n').slice(-80).join('\n');
    }
    cr.status = {
      ...cr.status,
      ready: false,
      started: false,
      state: {
        terminated: {
          exitCode,
          reason: exitCode === 0 ? 'Completed' : 'Error',
          ...(message ? { message: message.slice(-TERMINATION_MESSAGE_LIMIT) } : {}),
          startedAt,
          finishedAt: now(),
          containerID: cr.status.containerID,
        },
      },
    };
    cr.done = true;
    opts.log(`pod ${run.namespace}/${run.name}: container ${c.name} exited ${exitCode}`);
    // Each container's end is reported when it happens (Tekton then stops the sidecars still running).
    void writeStatus(run);
    return exitCode;
  };

  const failContainer = (cr: ContainerRun, reason: string, message: string) => {
    cr.status = {
      ...cr.status,
      state: { terminated: { exitCode: 128, reason, message, startedAt: now(), finishedAt: now() } },
    };
    cr.done = true;
  };

  // ---- a pod's life ----
  const runPod = async (run: PodRun) => {
    const spec = run.pod.spec;
    opts.log(`pod ${run.namespace}/${run.name}: starting`);
    await writeStatus(run);
    // Volumes: like the kubelet, keep trying while a Secret or ConfigMap is missing.
    for (;;) {
      try {
        for (const vol of (spec.volumes ?? []) as KubeObject[]) {
          if (!run.volumes.has(vol.name)) run.volumes.set(vol.name, await materializeVolume(run, vol));
        }
        break;
      } catch (e) {
        if (!(e instanceof RetryLater) || run.stopped) {
          for (const cr of [...run.initContainers.values(), ...run.containers.values()]) {
            failContainer(cr, 'CreateContainerConfigError', String(e));
          }
          run.phase = 'Failed';
          await writeStatus(run);
          return;
        }
        for (const cr of run.initContainers.size ? run.initContainers.values() : run.containers.values()) {
          cr.status = {
            ...cr.status,
            state: { waiting: { reason: 'ContainerCreating', message: e.message } },
          };
        }
        await writeStatus(run);
        await sleep(1000);
      }
    }
    const start = async (c: KubeObject, cr: ContainerRun) => {
      try {
        return await runContainer(run, c, cr);
      } catch (e) {
        opts.log(`pod ${run.namespace}/${run.name}: container ${c.name}: ${e}`);
        failContainer(cr, 'CreateContainerError', String(e instanceof Error ? e.message : e));
        return 128;
      }
    };
    for (const c of (spec.initContainers ?? []) as KubeObject[]) {
      const cr = run.initContainers.get(c.name) as ContainerRun;
      const code = run.stopped ? 137 : await start(c, cr);
      if (code !== 0) {
        run.phase = 'Failed';
        await writeStatus(run);
        return;
      }
    }
    run.phase = 'Running';
    const codes = await Promise.all(
      ((spec.containers ?? []) as KubeObject[]).map((c) =>
        start(c, run.containers.get(c.name) as ContainerRun),
      ),
    );
    run.phase = codes.every((code) => code === 0) ? 'Succeeded' : 'Failed';
    opts.log(`pod ${run.namespace}/${run.name}: ${run.phase}`);
    await writeStatus(run);
  };

  const killGroup = (pid: number) => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  const killRun = (run: PodRun) => {
    run.stopped = true;
    for (const cr of [...run.initContainers.values(), ...run.containers.values()]) {
      if (cr.process?.pid) killGroup(cr.process.pid);
    }
  };

  // ---- the loop ----
  const tick = async () => {
    await ensureNamespaceObjects();
    const list = await must('GET', '/api/v1/pods');
    const seen = new Set<string>();
    for (const pod of list.items as KubeObject[]) {
      const { uid, name, namespace } = pod.metadata;
      seen.add(uid);
      if (!pod.spec.nodeName) {
        // The scheduler: one node.
        const r = await api.request('POST', `/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
          body: {
            apiVersion: 'v1',
            kind: 'Binding',
            metadata: { name },
            target: { kind: 'Node', name: nodeName },
          },
        });
        if (r.status !== 201 && r.status !== 409)
          opts.log(`bind ${namespace}/${name}: ${r.status} ${r.text}`);
        continue;
      }
      if (pod.spec.nodeName !== nodeName) continue;
      let run = runs.get(uid);
      if (pod.metadata.deletionTimestamp) {
        // Graceful deletion waits for the kubelet: stop the containers, then let the object go.
        if (run) killRun(run);
        await api.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
          body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } },
        });
        continue;
      }
      if (!run) {
        if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
        run = {
          uid,
          namespace,
          name,
          pod,
          dir: join(opts.stateDir, 'pods', uid),
          volumes: new Map(),
          refreshers: [],
          containers: new Map(),
          initContainers: new Map(),
          phase: 'Pending',
          startTime: now(),
          stopped: false,
          statusWrite: Promise.resolve(),
        };
        for (const c of (pod.spec.initContainers ?? []) as KubeObject[])
          run.initContainers.set(c.name, newContainer(run, c));
        for (const c of (pod.spec.containers ?? []) as KubeObject[])
          run.containers.set(c.name, newContainer(run, c));
        runs.set(uid, run);
        const started = run;
        void runPod(run).catch((e) => opts.log(`pod ${started.namespace}/${started.name}: ${e}`));
        continue;
      }
      run.pod = pod;
      // Tekton stops a sidecar by swapping its image for the nop image.
      for (const c of (pod.spec.containers ?? []) as KubeObject[]) {
        const cr = run.containers.get(c.name);
        if (!cr?.process?.pid || c.image === cr.image) continue;
        cr.imageReplaced = true;
        cr.status = { ...cr.status, image: c.image };
        killGroup(cr.process.pid);
      }
      for (const refresh of run.refreshers) await refresh();
    }
    for (const [uid, run] of runs) {
      if (!seen.has(uid)) {
        killRun(run);
        runs.delete(uid);
      }
    }
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        await tick();
      } catch (e) {
        if (!stopping) opts.log(`step runner: ${e}`);
      }
      await sleep(POLL_MS);
    }
  })();

  return {
    port,
    async stop() {
      stopping = true;
      for (const run of runs.values()) killRun(run);
      await loop;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Writes a container's log to `res`, following it until the container ends when asked. */
async function streamLog(
  cr: ContainerRun,
  follow: boolean,
  res: ServerResponse,
  stopping: () => boolean,
): Promise<void> {
  let offset = 0;
  const flush = () => {
    if (!existsSync(cr.logFile)) return;
    const size = statSync(cr.logFile).size;
    if (size <= offset) return;
    const fd = openSync(cr.logFile, 'r');
    try {
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      res.write(buf);
    } finally {
      closeSync(fd);
    }
  };
  flush();
  while (follow && !cr.done && !stopping() && !res.destroyed) {
    await sleep(200);
    flush();
  }
  flush();
  res.end();
}
