// The Kubernetes client itself (undici requests, client-node's per-request credentials) against the fake
// Kubernetes API: one kept connection, a rotated in-cluster token, Retry-After limits, non-JSON answers.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeClient } from '../../src/kube/client.js';
import { loadKubeConnection, SERVICEACCOUNT_DIR } from '../../src/kube/config.js';
import { maskSecrets, setLogSink } from '../../src/log.js';
import { rejectionOf } from '../harness/attest-error.js';
import { FakeKube } from '../harness/fake-kube.js';
import { buildAndNotify } from './scenario.js';

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
});
