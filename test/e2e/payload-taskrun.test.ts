// `tekton-attest payload --taskrun FILE`: the built CLI prints one TaskRun's own statement (Chains'
// artifacts.taskrun), equal to what Chains v0.28.1 itself produces (the chains-oracle peer) for every format
// and build type, from TaskRuns stored as a cluster stores them (v1, and v1beta1 written by older Tekton),
// saved as kubectl would save them (YAML). Subjects are compared as a set: Chains pairs IMAGE_URL/IMAGE_DIGEST
// results through a Go map, so its order changes between calls.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BUILD_TYPE_SLSA, BUILD_TYPE_SLSA_TEKTON } from '../../src/provenance/statement.js';
import { runCli } from '../harness/run-built-cli.js';
import {
  CHAINS_ORACLE_BUILD_TIMEOUT_MS,
  chainsPayloads,
  type OracleConfig,
  type OracleResult,
} from '../peers/chains-oracle.js';
import { storedRuns } from '../provenance/generated-runs.js';
import { configLabel, firstDifference, type Json, subjectsInOurOrder } from '../provenance/oracle-compare.js';

const CONFIGS: OracleConfig[] = [
  { format: 'slsa/v1' },
  ...['slsa/v2alpha3', 'slsa/v2alpha4'].flatMap((format) =>
    [BUILD_TYPE_SLSA, BUILD_TYPE_SLSA_TEKTON].map((buildType) => ({ format, buildType })),
  ),
];

let dir: string;
const files = new Map<string, string>();
let oracle: OracleResult[];
const apiVersions = new Set<unknown>();

function nameOf(object: Json): string {
  return (object.metadata as { name: string }).name;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'payload-taskrun-'));
  // Seeds with a v1 run and a legacy (v1beta1) one, so both API versions go through the CLI's file reader.
  const runs = await storedRuns([1000, 1001, 1002, 1003, 1004, 1005]);
  const picked = [
    ...(runs.find((run) => !run.legacy)?.taskRuns.slice(0, 2) ?? []),
    ...(runs.find((run) => run.legacy)?.taskRuns.slice(0, 2) ?? []),
  ];
  for (const taskRun of picked) {
    const file = join(dir, `${nameOf(taskRun)}.yaml`);
    await writeFile(file, stringify(taskRun));
    files.set(nameOf(taskRun), file);
    apiVersions.add(taskRun.apiVersion);
  }
  oracle = await chainsPayloads(
    picked.map((taskRun) => ({ id: nameOf(taskRun), taskRun, configs: CONFIGS })),
  );
}, CHAINS_ORACLE_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('payload --taskrun equals Chains v0.28.1 for the TaskRun alone', () => {
  it('reads v1 and v1beta1 TaskRun files', () => {
    expect([...apiVersions].sort()).toEqual(['tekton.dev/v1', 'tekton.dev/v1beta1']);
    expect(oracle).toHaveLength(4);
  });

  for (const config of CONFIGS) {
    it(configLabel(config), async () => {
      const problems: string[] = [];
      for (const result of oracle) {
        const theirs = result.payloads?.find((p) => configLabel(p.config) === configLabel(config));
        expect(theirs?.payload, `${result.id}: Chains signed it (${theirs?.error ?? ''})`).toBeDefined();
        const args = ['payload', '--taskrun', files.get(result.id) as string, '--format', config.format];
        if (config.buildType) args.push('--build-type', config.buildType);
        const run = await runCli(args);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).toContain(`TaskRun ${result.id}:`);
        const ours = JSON.parse(run.stdout) as Json;
        const difference = firstDifference(
          ours,
          subjectsInOurOrder(JSON.parse(theirs?.payload as string), ours),
        );
        if (difference) problems.push(`${result.id}: ${difference}`);
      }
      expect(problems).toEqual([]);
    });
  }

  it('refuses --taskrun together with --pipelinerun, naming both (exit 2)', async () => {
    const file = [...files.values()][0] as string;
    const run = await runCli(['payload', '--taskrun', file, '--pipelinerun', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--taskrun');
    expect(run.stderr).toContain('--pipelinerun');
    expect(run.stdout).toBe('');
  });

  it('offers no tekton format: payload prints statements, and the legacy format is the status as it is (exit 2)', async () => {
    const run = await runCli([
      'payload',
      '--taskrun',
      [...files.values()][0] as string,
      '--format',
      'tekton',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'Given: "tekton", Choices: "slsa/v1", "slsa/v2alpha3", "slsa/v2alpha4", "in-toto"',
    );
    expect(run.stdout).toBe('');
  });

  it('refuses --deep-inspection with --taskrun instead of ignoring it (exit 2)', async () => {
    const run = await runCli(['payload', '--taskrun', [...files.values()][0] as string, '--deep-inspection']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--deep-inspection');
    expect(run.stdout).toBe('');
  });

  it('refuses a file that holds no TaskRun, naming it (exit 2)', async () => {
    const file = join(dir, 'pipelinerun.yaml');
    await writeFile(
      file,
      stringify({ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: { name: 'x' } }),
    );
    const run = await runCli(['payload', '--taskrun', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain('TaskRun');
  });
});
