// Deadlines through the built CLI: a registry that trickles a byte at a time and one that never answers
// end the run within the configured limits, with a message naming the host and the step, and exit 1.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKey } from '../harness/attestations.js';
import { FakeKube } from '../harness/fake-kube.js';
import { runCli } from '../harness/run-built-cli.js';
import { buildAndNotify, targetArgs } from '../harness/scenario.js';
import { type StallingServer, startStallingServer } from '../harness/stalling-server.js';

const key = testKey();
const DIGEST = `sha256:${'d'.repeat(64)}`;
let fake: FakeKube;
let dir: string;
let trickling: StallingServer;
let silent: StallingServer;

beforeAll(async () => {
  fake = await FakeKube.start();
  dir = await mkdtemp(join(tmpdir(), 'deadlines-'));
  trickling = await startStallingServer('trickle');
  silent = await startStallingServer('silent');
});
afterAll(async () => {
  await fake?.close();
  await trickling?.stop();
  await silent?.stop();
});

/** `attest` of a run whose build pushed an image to `host`, with oci storage and `flags`. */
async function attestTo(name: string, host: string, flags: string[]) {
  const scenario = buildAndNotify({ name });
  const build = scenario.taskRuns.find((t) => t.metadata.name.endsWith('-build'))!;
  build.status.results = [
    { name: 'IMAGE_URL', type: 'string', value: `${host}/team/app` },
    { name: 'IMAGE_DIGEST', type: 'string', value: DIGEST },
  ];
  for (const object of [scenario.pipelineRun, ...scenario.taskRuns]) fake.add(object);
  return runCli(
    [
      'attest',
      ...targetArgs(scenario, await fake.writeKubeconfig(dir)),
      ...['--key', key.privateKeyFile, '--storage', 'oci', '--insecure-registry', host],
      ...['--wait-timeout', '1s', ...flags],
    ],
    {
      env: { HOME: dir, DOCKER_CONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined, KUBECONFIG: undefined },
    },
  );
}

describe('deadlines', () => {
  it('a registry trickling a byte at a time: each request ends at --registry-request-timeout, naming the host', async () => {
    const result = await attestTo('trickle', trickling.host, ['--registry-request-timeout', '1s']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no complete answer from ${trickling.host} within 1s`);
    expect(result.stderr).toMatch(/oci\s+FAILED/);
    expect(trickling.requests.length).toBeGreaterThan(0);
  }, 90_000);

  it('a registry that never answers: the run ends at --timeout, naming the step and the host', async () => {
    const result = await attestTo('silent', silent.host, ['--timeout', '3s']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'attest did not finish within --timeout 3s: at step "store the attestation (oci) and the image signatures (1 image)"',
    );
    expect(result.stderr).toContain(` http://${silent.host}/v2/team/app/`);
  }, 90_000);

  it('verify against a registry that never answers ends at --timeout too', async () => {
    const result = await runCli([
      'verify',
      `${silent.host}/team/app@${DIGEST}`,
      ...['--key', key.publicKeyFile, '--insecure-registry', silent.host, '--timeout', '2s'],
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('verify did not finish within --timeout 2s: at step "read and verify');
    expect(result.stderr).toContain(silent.host);
  }, 90_000);

  it('refuses a --timeout that leaves no time after --wait-timeout', async () => {
    const result = await attestTo('short', silent.host, ['--timeout', '1s']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--timeout 1s does not leave time to sign and store after --wait-timeout 1s',
    );
  });
});
