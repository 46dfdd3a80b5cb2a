// Bounds on what is read, through the built CLI: an input file without end, a file over --max-input-size,
// and a Kubernetes API answer over it each fail with the limit and the flag named, without reading on.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKey } from '../harness/attestations.js';
import { FakeKube } from '../harness/fake-kube.js';
import { FIXTURES_DIR } from '../harness/fixtures.js';
import { runCli } from '../harness/run-built-cli.js';
import { buildAndNotify, targetArgs } from '../harness/scenario.js';

const RAW = join(FIXTURES_DIR, 'chains/raw/pkg/chains/formats/slsa/testdata');
const key = testKey();
let fake: FakeKube;
let dir: string;

beforeAll(async () => {
  fake = await FakeKube.start();
  dir = await mkdtemp(join(tmpdir(), 'bounds-'));
});
afterAll(async () => {
  await fake?.close();
});

describe('bounds on what is read', () => {
  it('payload --pipelinerun /dev/zero stops at the limit: exit 2 naming the file, the limit and the flag', async () => {
    const result = await runCli(['payload', '--pipelinerun', '/dev/zero', '--taskruns', '/dev/null']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/dev/zero is larger than 64 MiB');
    expect(result.stderr).toContain('--max-input-size');
  });

  it('a TaskRun file over --max-input-size is refused; the same file passes under a raised limit', async () => {
    const args = [
      'payload',
      '--pipelinerun',
      `${RAW}/slsa-v2alpha4/pipelinerun1.json`,
      '--taskruns',
      `${RAW}/slsa-v2alpha4/taskrun1.json`,
      `${RAW}/slsa-v2alpha4/taskrun2.json`,
      '--format',
      'slsa/v2alpha4',
    ];
    const refused = await runCli([...args, '--max-input-size', '1Ki']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/pipelinerun1\.json is larger than 1 KiB/);
    const raised = await runCli([...args, '--max-input-size', '1Mi']);
    expect(raised.code, raised.stderr).toBe(0);
  });

  it('a Kubernetes API answer over --max-input-size fails naming the request, the limit and the flag', async () => {
    const scenario = buildAndNotify({ name: 'big-answer' });
    // A build step can make its TaskRun large (results, a huge inline script); here an annotation.
    const build = scenario.taskRuns.find((t) => t.metadata.name.endsWith('-build'))!;
    (build.metadata as { annotations?: Record<string, string> }).annotations = {
      padding: 'x'.repeat(200_000),
    };
    for (const object of [scenario.pipelineRun, ...scenario.taskRuns]) fake.add(object);
    const result = await runCli(
      [
        'attest',
        ...targetArgs(scenario, await fake.writeKubeconfig(dir)),
        ...['--key', key.privateKeyFile, '--storage', 'tekton', '--wait-timeout', '1s'],
        ...['--max-input-size', '100Ki'],
      ],
      {
        env: {
          HOME: dir,
          DOCKER_CONFIG: undefined,
          KUBERNETES_SERVICE_HOST: undefined,
          KUBECONFIG: undefined,
        },
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the answer is larger than 100 KiB (--max-input-size)');
    expect(result.stderr).toContain('taskruns');
  });

  it('refuses a --max-input-size that is not a size', async () => {
    const result = await runCli(['payload', '--pipelinerun', '/dev/null', '--max-input-size', 'lots']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--max-input-size lots is not a size');
  });
});
