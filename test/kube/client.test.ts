// The Kubernetes client itself (undici requests, client-node's per-request credentials) against the fake
// Kubernetes API: one kept connection, a rotated in-cluster token, exec plugins, Retry-After limits,
// non-JSON answers.
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeClient } from '../../src/kube/client.js';
import { loadKubeConnection, SERVICEACCOUNT_DIR } from '../../src/kube/config.js';
import { maskSecrets, setLogSink } from '../../src/log.js';
import { rejectionOf } from '../harness/attest-error.js';
import { FakeKube } from '../harness/fake-kube.js';
import { buildAndNotify } from '../harness/scenario.js';

let fake: FakeKube;
let client: KubeClient | undefined;
let dir: string;
let addedEnv: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-client-'));
  setLogSink(() => undefined);
});

afterEach(async () => {
  vi.useRealTimers();
  for (const key of addedEnv) delete process.env[key];
  addedEnv = [];
  await client?.close();
  client = undefined;
  await fake?.close();
});

/** A TLS fake with a run in it, and the pod's service-account files under `dir`. */
async function inCluster(): Promise<{ client: KubeClient; name: string; tokenFile: string }> {
  const scenario = buildAndNotify();
  fake = await FakeKube.start({ tls: true });
  for (const object of [scenario.pipelineRun, ...scenario.taskRuns]) fake.add(object);
  const env = await fake.writeInCluster(dir);
  // client-node's loadFromCluster reads the host and port from process.env.
  Object.assign(process.env, env);
  addedEnv = Object.keys(env);
  const connection = loadKubeConnection({ serviceAccountRoot: dir, env });
  expect(connection.inCluster).toBe(true);
  client = new KubeClient(connection, { requestTimeoutMs: 5_000 });
  return { client, name: scenario.name, tokenFile: join(dir, SERVICEACCOUNT_DIR, 'token') };
}

/** A kubeconfig for the TLS fake whose user gets its token from an exec plugin (a shell script). */
async function withExecPlugin(script: (token: string) => string): Promise<KubeClient> {
  fake = await FakeKube.start({ tls: true });
  const plugin = join(dir, 'credential-plugin');
  await writeFile(plugin, `#!/bin/sh\n${script(fake.token)}\n`);
  await chmod(plugin, 0o755);
  const kubeconfig = join(dir, 'kubeconfig');
  const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' };
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'fake',
          cluster: {
            server: fake.url,
            'certificate-authority-data': Buffer.from(fake.caPem!).toString('base64'),
          },
        },
      ],
      users: [{ name: 'exec-user', user: { exec } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'exec-user', namespace: 'ci' } }],
      'current-context': 'fake',
    }),
  );
  client = new KubeClient(loadKubeConnection({ kubeconfig, env: {} }), { requestTimeoutMs: 5_000 });
  return client;
}

describe('kubernetes client', () => {
  it('sends every request of a run over one kept TLS connection', async () => {
    const { client, name } = await inCluster();
    await client.getPipelineRun('ci', name);
    await client.listTekton('v1', 'taskruns', 'ci', `tekton.dev/pipelineRun=${name}`);
    await client.getTekton('v1', 'taskruns', 'ci', `${name}-build`);
    await client.mergePatchTekton('v1', 'pipelineruns', 'ci', name, {
      metadata: { annotations: { a: 'b' } },
    });
    expect(fake.requestsFor({}).length).toBeGreaterThanOrEqual(4);
    expect(fake.tlsConnections).toBe(1);
    expect(fake.requestsFor({ verb: 'patch' })[0]!.contentType).toBe('application/merge-patch+json');
  });

  it('picks up a rotated service-account token file (client-node re-reads it after a minute)', async () => {
    const { client, name, tokenFile } = await inCluster();
    await client.getPipelineRun('ci', name);
    const rotated = fake.rotateToken();
    await writeFile(tokenFile, rotated);
    // Only the clock moves: client-node's file auth re-reads the token once it is a minute old.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    await client.getTekton('v1', 'taskruns', 'ci', `${name}-build`);
    const [first, second] = fake.requestsFor({ verb: 'get' }).map((r) => r.authorization);
    expect(second).toBe(`Bearer ${rotated}`);
    expect(second).not.toBe(first);
    // The new token is masked in output like the one read at start.
    expect(maskSecrets(`token ${rotated}`)).not.toContain(rotated);
  });

  it('does not wait for a server asking more than a minute (Retry-After), and says why', async () => {
    const { client, name } = await inCluster();
    fake.fault({ verb: 'get', resource: 'pipelineruns', status: 429, retryAfter: '120' });
    const error = await rejectionOf(client.getPipelineRun('ci', name));
    expect(error.code).toBe('KUBE_API');
    expect(error.message).toContain(`get pipelineruns.tekton.dev ci/${name}: HTTP 429`);
    expect(fake.requestsFor({ verb: 'get' })).toHaveLength(1);
  });

  it('keeps a non-JSON error body as the message', async () => {
    const { client, name } = await inCluster();
    fake.fault({ verb: 'get', resource: 'pipelineruns', status: 400, text: 'bad gateway config\n' });
    const error = await rejectionOf(client.getPipelineRun('ci', name));
    expect(error.code).toBe('KUBE_API');
    expect(error.message).toBe(`get pipelineruns.tekton.dev ci/${name}: HTTP 400: bad gateway config`);
  });

  it('authenticates with a kubeconfig exec plugin, through client-node, and masks its token', async () => {
    const scenario = buildAndNotify();
    const credential = (token: string) =>
      JSON.stringify({
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        status: { token },
      });
    const client = await withExecPlugin((token) => `echo '${credential(token)}'`);
    fake.add(scenario.pipelineRun);
    const { object } = await client.getPipelineRun('ci', scenario.name);
    expect((object.metadata as { name: string }).name).toBe(scenario.name);
    expect(fake.requests[0]!.authorization).toBe(`Bearer ${fake.token}`);
    expect(maskSecrets(fake.token)).not.toContain(fake.token);
  });

  it('a failing exec plugin: a configuration error naming the request, not a retry loop', async () => {
    const client = await withExecPlugin(() => 'echo "no credentials for you" >&2; exit 3');
    const error = await rejectionOf(client.getPipelineRun('ci', 'x'));
    expect(error.code).toBe('KUBE_CONFIG');
    expect(error.message).toBe(
      'get pipelineruns.tekton.dev ci/x: the credentials of user exec-user of kubeconfig context fake cannot be applied: no credentials for you',
    );
    expect(error.hint).toContain('exec plugin');
    expect(fake.requests).toHaveLength(0);
  });
});
