// Collection of a run through the real client code (client-node) against the fake Kubernetes API.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CollectOptions, collectRun } from '../../../src/collect/api/collect-run.js';
import { KubeClient } from '../../../src/kube/client.js';
import { loadKubeConnection } from '../../../src/kube/config.js';
import { setLogSink } from '../../../src/log.js';
import { rejectionOf } from '../../harness/attest-error.js';
import { FakeKube } from '../../harness/fake-kube.js';
import { buildAndNotify, buildScenario, type Scenario } from '../../harness/scenario.js';

let fake: FakeKube;
let dir: string;
let logs: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'collect-'));
  logs = [];
  setLogSink((line) => logs.push(line));
});

afterEach(async () => {
  await fake?.close();
});

async function start(
  scenario: Scenario,
  options: Parameters<typeof FakeKube.start>[0] = {},
): Promise<KubeClient> {
  fake = await FakeKube.start(options);
  for (const object of [scenario.pipelineRun, ...scenario.taskRuns, ...scenario.customRuns]) fake.add(object);
  const connection = loadKubeConnection({ kubeconfig: await fake.writeKubeconfig(dir), env: {} });
  return new KubeClient(connection, {
    requestTimeoutMs: 2_000,
    retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 200 },
  });
}

function options(scenario: Scenario, extra: Partial<CollectOptions> = {}): CollectOptions {
  return {
    pipelineRun: scenario.name,
    namespace: scenario.namespace,
    selfTaskRun: scenario.attestTaskRun,
    waitTimeoutMs: 20_000,
    requireComplete: false,
    statusManagers: ['controller'],
    allowForeignStatus: false,
    firstPollMs: 100,
    ...extra,
  };
}

describe('collect a finally-time run', () => {
  it('waits for a sibling finally task that finishes during the wait, and excludes itself', async () => {
    const scenario = buildAndNotify({ notify: 'running' });
    const client = await start(scenario);
    const notify = `${scenario.name}-notify`;
    // notify finishes just before the first re-read of the run (the wait's first poll).
    let gets = 0;
    fake.onRequest((request) => {
      if (request.verb === 'get' && request.resource === 'pipelineruns' && ++gets === 2) {
        fake.update('taskruns', 'ci', notify, (run) => {
          run.status.conditions = [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }];
          run.status.completionTime = '2024-05-01T10:09:00Z';
        });
      }
    });
    const collected = await collectRun(client, options(scenario));
    const names = collected.snapshot.taskRuns.map((run) => run.metadata.name);
    expect(names).toEqual([`${scenario.name}-clone`, `${scenario.name}-build`, notify]);
    expect(names).not.toContain(scenario.attestTaskRun);
    expect(collected.snapshot.unfinished).toEqual([]);
    expect(collected.snapshot.finishedOn).toBe('2024-05-01T10:09:00Z');
    expect(collected.version).toBe('v1');
    // One progress line per change, not per poll.
    expect(logs.filter((l) => l.startsWith('waiting for'))).toEqual(['waiting for 1 of 3 TaskRuns: notify']);
    // Pipeline results resolved from the TaskRuns (status.results is empty while finally runs).
    expect(collected.snapshot.pipelineResults.map((r) => r.name).sort()).toEqual([
      'IMAGE_DIGEST',
      'IMAGE_URL',
    ]);
    // One label-selector LIST per poll, each paginated with limit/continue.
    const first = fake.requestsFor({ verb: 'list', resource: 'taskruns' })[0]!;
    expect(first.query.labelSelector).toBe(`tekton.dev/pipelineRun=${scenario.name}`);
    expect(first.query.limit).toBe('50');
  });

  it('attests what finished when siblings outlive --wait-timeout, and records them', async () => {
    const scenario = buildAndNotify({ notify: 'running' });
    const client = await start(scenario);
    const collected = await collectRun(client, options(scenario, { waitTimeoutMs: 300 }));
    expect(collected.snapshot.taskRuns.map((r) => r.metadata.name)).not.toContain(`${scenario.name}-notify`);
    expect(collected.snapshot.unfinished).toEqual([`${scenario.name}-notify`]);
    expect(logs.some((l) => l.includes('1 of 3 TaskRuns still running after 0.3s: notify'))).toBe(true);
  });

  it('fails with --require-complete when siblings outlive the wait', async () => {
    const scenario = buildAndNotify({ notify: 'running' });
    const client = await start(scenario);
    const error = await rejectionOf(
      collectRun(client, options(scenario, { waitTimeoutMs: 200, requireComplete: true })),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('still running after 0.2s: notify');
    expect(error.hint).toContain('--wait-timeout');
  });

  it('refuses a run whose TaskRun result was written by another field manager, naming both', async () => {
    const scenario = buildAndNotify();
    const build = scenario.taskRuns.find((r) => r.metadata.name === `${scenario.name}-build`)!;
    build.metadata.managedFields = [
      {
        manager: 'controller',
        operation: 'Update',
        subresource: 'status',
        fieldsV1: { 'f:status': { 'f:conditions': {} } },
      },
      {
        manager: 'forger',
        operation: 'Update',
        subresource: 'status',
        fieldsV1: { 'f:status': { 'f:results': {} } },
      },
    ];
    const client = await start(scenario);
    const error = await rejectionOf(collectRun(client, options(scenario)));
    expect(error.code).toBe('FOREIGN_STATUS');
    expect(error.message).toContain(`TaskRun ci/${scenario.name}-build: status.results`);
    expect(error.message).toContain('"forger"');

    const allowed = await collectRun(client, options(scenario, { allowForeignStatus: true }));
    expect(allowed.foreignStatus.map((w) => [w.name, w.field, w.manager])).toEqual([
      [`${scenario.name}-build`, 'status.results', 'forger'],
    ]);
    expect(logs.join('\n')).toContain('foreign status write');
    const trusted = await collectRun(client, options(scenario, { statusManagers: ['controller', 'forger'] }));
    expect(trusted.foreignStatus).toEqual([]);
  });

  it('follows continue tokens across pages', async () => {
    const scenario = buildScenario({
      attestTask: 'attest',
      tasks: Array.from({ length: 7 }, (_, i) => ({ name: `t${i}` })),
    });
    const client = await start(scenario, { pageSize: 3 });
    const collected = await collectRun(client, options(scenario));
    expect(collected.snapshot.taskRuns).toHaveLength(7);
    const pages = fake.requestsFor({ verb: 'list', resource: 'taskruns' });
    expect(pages).toHaveLength(3);
    expect(pages[1]!.query.continue).toBeTruthy();
  });

  it('lists again from the start when a continue token has expired (410), without duplicates', async () => {
    const scenario = buildScenario({
      attestTask: 'attest',
      tasks: Array.from({ length: 7 }, (_, i) => ({ name: `t${i}` })),
    });
    const client = await start(scenario, { pageSize: 3 });
    fake.fault({ verb: 'list', resource: 'taskruns', continued: true, status: 410 });
    const collected = await collectRun(client, options(scenario));
    const names = collected.snapshot.taskRuns.map((r) => r.metadata.name);
    expect(names).toHaveLength(7);
    expect(new Set(names).size).toBe(7);
    const pages = fake.requestsFor({ verb: 'list', resource: 'taskruns' });
    // page 1, the expired page 2, then pages 1-3 again
    expect(pages.map((p) => Boolean(p.query.continue))).toEqual([false, true, false, true, true]);
  });

  it('reports a continue token that keeps expiring as a 410 naming the list', async () => {
    const scenario = buildScenario({
      attestTask: 'attest',
      tasks: Array.from({ length: 7 }, (_, i) => ({ name: `t${i}` })),
    });
    const client = await start(scenario, { pageSize: 3 });
    fake.fault({ verb: 'list', resource: 'taskruns', continued: true, status: 410, times: 100 });
    const error = await rejectionOf(collectRun(client, options(scenario)));
    expect(error.code).toBe('KUBE_API');
    expect(error.message).toContain('list taskruns.tekton.dev');
    expect(error.message).toContain('HTTP 410');
    expect(fake.requestsFor({ verb: 'list', resource: 'taskruns' })).toHaveLength(8);
  });

  it('reads a v1beta1-only server and normalizes to v1', async () => {
    const scenario = buildAndNotify({ apiVersion: 'v1beta1' });
    const client = await start(scenario, { served: ['v1beta1'] });
    const collected = await collectRun(client, options(scenario));
    expect(collected.version).toBe('v1beta1');
    const build = collected.snapshot.taskRuns.find((r) => r.metadata.name === `${scenario.name}-build`)!;
    expect(build.status?.results?.map((r) => r.name)).toEqual(['IMAGE_URL', 'IMAGE_DIGEST']);
    expect(collected.pipelineRun.spec.taskRunTemplate?.serviceAccountName).toBe('pipeline');
    expect(fake.requestsFor({ verb: 'get', resource: 'pipelineruns' }).map((r) => r.version)).toEqual([
      'v1',
      'v1beta1',
    ]);
    expect(
      fake.requestsFor({ verb: 'list', resource: 'taskruns' }).every((r) => r.version === 'v1beta1'),
    ).toBe(true);
  });

  it('includes CustomRuns, matrix TaskRuns and failed tasks', async () => {
    const scenario = buildScenario({
      attestTask: 'attest',
      tasks: [
        { name: 'approve', custom: true, results: { approver: 'alice' } },
        { name: 'test', matrix: 3, results: { report: 'ok' } },
        { name: 'lint', state: 'failed' },
      ],
    });
    const client = await start(scenario);
    const collected = await collectRun(client, options(scenario));
    expect(collected.snapshot.customRuns.map((r) => r.metadata.name)).toEqual([`${scenario.name}-approve`]);
    expect(collected.snapshot.customRuns[0]!.status?.results).toEqual([
      { name: 'approver', type: 'string', value: 'alice' },
    ]);
    expect(collected.snapshot.taskRuns.map((r) => r.metadata.name)).toEqual([
      `${scenario.name}-test-0`,
      `${scenario.name}-test-1`,
      `${scenario.name}-test-2`,
      `${scenario.name}-lint`,
    ]);
    expect(fake.requestsFor({ verb: 'list', resource: 'customruns' })).toHaveLength(1);
  });

  it('does not list CustomRuns for a run without custom tasks (no extra RBAC verb)', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    fake.deny({ resource: 'customruns' });
    await collectRun(client, options(scenario));
    expect(fake.requestsFor({ resource: 'customruns' })).toHaveLength(0);
  });

  it('ignores TaskRuns of an earlier PipelineRun with the same name, and GETs children the list missed', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    const stale = structuredClone(scenario.taskRuns[0]!);
    stale.metadata.name = `${scenario.name}-old-build`;
    stale.metadata.ownerReferences[0].uid = 'an-earlier-uid';
    stale.metadata.labels['tekton.dev/pipelineRunUID'] = 'an-earlier-uid';
    fake.add(stale);
    // A child the label LIST does not return (labels not yet visible): childReferences name it.
    fake.update('taskruns', 'ci', `${scenario.name}-clone`, (run) => {
      run.metadata.labels = {};
    });
    const collected = await collectRun(client, options(scenario));
    const names = collected.snapshot.taskRuns.map((r) => r.metadata.name);
    expect(names).not.toContain(stale.metadata.name);
    expect(names).toContain(`${scenario.name}-clone`);
    expect(
      fake.requestsFor({ verb: 'get', resource: 'taskruns', name: `${scenario.name}-clone` }),
    ).toHaveLength(1);
    expect(logs.some((l) => l.includes('belongs to an earlier PipelineRun'))).toBe(true);
  });

  it('finds the run and itself from the pod labels file and the namespace of the context', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    const labels = join(dir, 'labels');
    await writeFile(
      labels,
      `app.kubernetes.io/managed-by="tekton-pipelines"\ntekton.dev/pipelineRun="${scenario.name}"\ntekton.dev/taskRun="${scenario.attestTaskRun}"\n`,
    );
    const collected = await collectRun(client, {
      podLabelsFile: labels,
      waitTimeoutMs: 1_000,
      requireComplete: false,
      statusManagers: ['controller'],
      allowForeignStatus: false,
    });
    expect(collected.target).toEqual({
      namespace: 'ci',
      pipelineRun: scenario.name,
      selfTaskRun: scenario.attestTaskRun,
    });
    expect(collected.snapshot.taskRuns.map((r) => r.metadata.name)).not.toContain(scenario.attestTaskRun);
  });
});

describe('collect: API failures', () => {
  it('names the verb, resource, namespace, identity and Role on 403', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    fake.deny({ verb: 'list', resource: 'taskruns' });
    const error = await rejectionOf(collectRun(client, options(scenario)));
    expect(error.code).toBe('KUBE_FORBIDDEN');
    expect(error.message).toContain('list taskruns.tekton.dev in namespace ci');
    expect(error.message).toContain('system:serviceaccount:ci:pipeline');
    expect(error.hint).toContain('Role "tekton-attest"');
    expect(error.hint).toContain('--serviceaccount=ci:pipeline');
    // Not retried.
    expect(fake.requestsFor({ verb: 'list', resource: 'taskruns' })).toHaveLength(1);
  });

  it('a namespace it cannot read', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    fake.deny({ namespace: 'other' });
    const error = await rejectionOf(collectRun(client, options(scenario, { namespace: 'other' })));
    expect(error.code).toBe('KUBE_FORBIDDEN');
    expect(error.message).toContain(`get pipelineruns.tekton.dev other/${scenario.name}`);
  });

  it('a PipelineRun that does not exist', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    const error = await rejectionOf(collectRun(client, options(scenario, { pipelineRun: 'no-such-run' })));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('pipelinerun ci/no-such-run not found (tekton.dev/v1)');
    expect(error.hint).toContain('--pipelinerun');
  });

  it('garbage in a TaskRun status', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    fake.update('taskruns', 'ci', `${scenario.name}-build`, (run) => {
      run.status.steps = 'not a list';
    });
    const error = await rejectionOf(collectRun(client, options(scenario)));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(`TaskRun ci/${scenario.name}-build`);
    expect(error.message).toContain('status.steps must be a list');
  });

  it('retries 500 with backoff, honours 429 Retry-After, then succeeds', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    fake.fault({ verb: 'get', resource: 'pipelineruns', status: 500, times: 2 });
    fake.fault({ verb: 'list', resource: 'taskruns', status: 429, retryAfter: '1' });
    const collected = await collectRun(client, options(scenario));
    expect(collected.snapshot.taskRuns).toHaveLength(3);
    expect(fake.requestsFor({ verb: 'get', resource: 'pipelineruns' }).map((r) => r.status)).toEqual([
      500, 500, 200,
    ]);
    expect(logs.some((l) => l.includes('HTTP 429 TooManyRequests; retrying in 1.0s'))).toBe(true);
  });

  it('gives up on a stalled server with a clear timeout', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    fake.fault({ verb: 'get', resource: 'pipelineruns', stall: true, times: 10 });
    const error = await rejectionOf(collectRun(client, options(scenario)));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain(
      `get pipelineruns.tekton.dev ci/${scenario.name}: no answer from ${fake.url} within 2s (after 4 attempts)`,
    );
  });

  it('a wrong token: 401, no retry, identity named', async () => {
    const scenario = buildAndNotify();
    fake = await FakeKube.start();
    fake.add(scenario.pipelineRun);
    const path = await fake.writeKubeconfig(dir, { token: 'not-the-token' });
    const connection = loadKubeConnection({ kubeconfig: path, env: {} });
    const error = await rejectionOf(collectRun(new KubeClient(connection), options(scenario)));
    expect(error.code).toBe('KUBE_UNAUTHORIZED');
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses a TaskRun whose startTime is not an RFC 3339 time, naming the TaskRun and the field', async () => {
    const scenario = buildAndNotify({ notify: 'succeeded' });
    const build = scenario.taskRuns.find((run) => run.metadata?.name === `${scenario.name}-build`);
    (build?.status as { startTime: string }).startTime = 'not-a-date';
    const client = await start(scenario);
    const error = await rejectionOf(collectRun(client, options(scenario)));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe(
      `TaskRun ci/${scenario.name}-build (from the API): TaskRun field status.startTime must be an RFC 3339 time (2026-01-02T10:00:00Z), not "not-a-date"`,
    );
  });

  it('warns once, not once per poll, about a TaskRun of an earlier PipelineRun of the same name', async () => {
    const scenario = buildAndNotify({ notify: 'running' });
    const build = scenario.taskRuns.find((run) => run.metadata?.name === `${scenario.name}-build`);
    const stale = structuredClone(build) as NonNullable<typeof build>;
    stale.metadata.name = `${scenario.name}-build-old`;
    stale.metadata.uid = 'uid-old';
    stale.metadata.labels = {
      ...stale.metadata.labels,
      'tekton.dev/pipelineRunUID': 'uid-of-the-earlier-run',
    };
    stale.metadata.ownerReferences = [
      {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        name: scenario.name,
        uid: 'uid-of-the-earlier-run',
      },
    ];
    const client = await start({ ...scenario, taskRuns: [...scenario.taskRuns, stale] });
    const notify = `${scenario.name}-notify`;
    let gets = 0;
    fake.onRequest((request) => {
      if (request.verb === 'get' && request.resource === 'pipelineruns' && ++gets === 4) {
        fake.update('taskruns', 'ci', notify, (run) => {
          run.status.conditions = [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }];
          run.status.completionTime = '2024-05-01T10:09:00Z';
        });
      }
    });
    const collected = await collectRun(client, options(scenario));
    expect(collected.snapshot.taskRuns.map((run) => run.metadata.name)).not.toContain(stale.metadata.name);
    expect(fake.requestsFor({ verb: 'list', resource: 'taskruns' }).length).toBeGreaterThan(2);
    expect(logs.filter((line) => line.includes('ignoring'))).toEqual([
      `warning: ignoring TaskRun ${stale.metadata.name}: it belongs to an earlier PipelineRun also named ${scenario.name}`,
    ]);
  });

  it('a 404 listing TaskRuns says the server does not serve them, not "taskrun NS/undefined not found"', async () => {
    const scenario = buildAndNotify();
    const client = await start(scenario);
    fake.fault({ verb: 'list', resource: 'taskruns', status: 404 });
    const error = await rejectionOf(collectRun(client, options(scenario)));
    expect(error.message).not.toContain('undefined');
    expect(error.message).toBe(
      'list taskruns.tekton.dev in namespace ci: the API server does not serve taskruns (tekton.dev/v1) (404)',
    );
    expect(error.hint).toContain('kubectl api-resources --api-group=tekton.dev');
  });
});
