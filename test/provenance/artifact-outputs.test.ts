// Tekton's Artifacts API (status.artifacts.outputs with buildOutput: true) as subjects and signed images: a
// deliberate difference from Chains v0.28.1, which reads type-hinted results only. Checked against the
// Chains oracle: generated runs given artifact outputs produce exactly Chains' statement plus the build
// outputs at the end of `subject` (TaskRun statements; PipelineRun statements with deep inspection), and
// Chains' image signatures plus the outputs that are images. Without artifact outputs nothing changes (the
// parity test, chains-oracle-parity.test.ts, runs on generated runs that have none).
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOutputSubjects } from '../../src/provenance/artifact-outputs.js';
import { simpleSigningPayload } from '../../src/provenance/payloads.js';
import { normalizeTaskRun } from '../../src/tekton/normalize.js';
import { CHAINS_ORACLE_BUILD_TIMEOUT_MS, chainsPayloads, type OracleResult } from '../peers/chains-oracle.js';
import type { GeneratedRun } from './generate-runs.js';
import { storedRuns } from './generated-runs.js';
import {
  configLabel,
  firstDifference,
  type Json,
  nameOf,
  ourImageSignaturePayloads,
  ourStatement,
  ourTaskRunStatement,
  sameSet,
  subjectsInOurOrder,
  TASKRUN_CONFIGS,
} from './oracle-compare.js';

const IMAGE_HEX = 'a'.repeat(64);
const PURL_HEX = 'b'.repeat(64);
const FILE_HEX = 'c'.repeat(64);
/** What a build step writes to $(step.artifacts.path), as Tekton merges it into the TaskRun's status. */
const ARTIFACTS = {
  inputs: [
    {
      name: 'source',
      values: [{ uri: 'git+https://git.example/app.git', digest: { sha1: 'd'.repeat(40) } }],
    },
  ],
  outputs: [
    {
      name: 'image',
      buildOutput: true,
      values: [{ uri: 'registry.example/team/built', digest: { sha256: IMAGE_HEX } }],
    },
    {
      name: 'package',
      buildOutput: true,
      values: [{ uri: 'pkg:oci/built?repository_url=registry.example/team', digest: { sha256: PURL_HEX } }],
    },
    { name: 'log', values: [{ uri: 'pkg:generic/build.log', digest: { sha256: FILE_HEX } }] },
  ],
};
const BUILD_OUTPUTS = [
  { name: 'registry.example/team/built', digest: { sha256: IMAGE_HEX } },
  { name: 'pkg:oci/built?repository_url=registry.example/team', digest: { sha256: PURL_HEX } },
];

const SEEDS = Array.from({ length: 16 }, (_, i) => 1000 + i);

let runs: GeneratedRun[];
let pipelineOracle: Map<string, OracleResult>;
let taskRunOracle: Map<string, OracleResult>;

beforeAll(async () => {
  // tekton.dev/v1 runs only: v1beta1 has no status.artifacts (its conversion drops them).
  runs = (await storedRuns(SEEDS))
    .filter((run) => !run.legacy)
    .map((run) => ({
      ...run,
      // The first TaskRun of each run declares artifacts.
      taskRuns: run.taskRuns.map((taskRun, index) =>
        index === 0 ? { ...taskRun, status: { ...(taskRun.status as Json), artifacts: ARTIFACTS } } : taskRun,
      ),
    }));
  const withDeep = TASKRUN_CONFIGS.map((config) => ({ ...config, deepInspection: true }));
  pipelineOracle = new Map(
    (
      await chainsPayloads(
        runs.map((run) => ({
          id: run.id,
          pipelineRun: run.pipelineRun,
          taskRuns: run.taskRuns,
          configs: [...TASKRUN_CONFIGS, ...withDeep],
        })),
      )
    ).map((result) => [result.id, result]),
  );
  taskRunOracle = new Map(
    (
      await chainsPayloads(
        runs.map((run) => ({ id: run.id, taskRun: run.taskRuns[0], configs: TASKRUN_CONFIGS })),
      )
    ).map((result) => [result.id, result]),
  );
}, CHAINS_ORACLE_BUILD_TIMEOUT_MS);

/** Chains' statement with the build outputs appended to its subjects: what tekton-attest must produce. */
function plusBuildOutputs(theirs: Json): Json {
  return { ...theirs, subject: [...((theirs.subject ?? []) as unknown[]), ...BUILD_OUTPUTS] };
}

describe('Artifacts API build outputs: Chains v0.28.1 plus the outputs, and only them', () => {
  it(`covers the tekton.dev/v1 runs among ${SEEDS.length} generated runs`, () => {
    expect(runs.length).toBeGreaterThan(8);
  });

  it('TaskRun statements: Chains ignores status.artifacts; ours adds each buildOutput value as a subject', () => {
    const problems: string[] = [];
    for (const run of runs) {
      for (const payload of taskRunOracle.get(run.id)?.payloads ?? []) {
        expect(payload.error).toBeUndefined();
        const theirs = JSON.parse(payload.payload as string) as Json;
        expect(JSON.stringify(theirs.subject ?? [])).not.toContain(IMAGE_HEX);
        const ours = ourTaskRunStatement(run.taskRuns[0], payload.config);
        const expected = plusBuildOutputs(theirs);
        const difference = firstDifference(ours, subjectsInOurOrder(expected, ours));
        if (difference) problems.push(`${run.id} ${configLabel(payload.config)}: ${difference}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('PipelineRun statements: with deep inspection the outputs are subjects too; without, Chains exactly', () => {
    const problems: string[] = [];
    for (const run of runs) {
      for (const payload of pipelineOracle.get(run.id)?.payloads ?? []) {
        expect(payload.error).toBeUndefined();
        const theirs = JSON.parse(payload.payload as string) as Json;
        const ours = ourStatement(run, payload.config).statement;
        const expected = payload.config.deepInspection ? plusBuildOutputs(theirs) : theirs;
        const difference = firstDifference(ours, subjectsInOurOrder(expected, ours));
        if (difference) problems.push(`${run.id} ${configLabel(payload.config)}: ${difference}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('image signatures: Chains signs the type-hinted images; attest also the output that is an image', async () => {
    for (const run of runs) {
      const images = await chainsPayloads(
        run.taskRuns.map((taskRun) => ({ id: nameOf(taskRun), taskRun, configs: [] })),
      );
      const theirs = [...new Set(images.flatMap((result) => result.images ?? []))];
      const ours = ourImageSignaturePayloads(run);
      const built = new TextDecoder().decode(
        simpleSigningPayload({ repository: 'registry.example/team/built', digest: `sha256:${IMAGE_HEX}` })
          .body,
      );
      expect(theirs).not.toContain(built);
      // The purl output is a subject, not an image: it does not name the repository a signature belongs to.
      expect(sameSet(ours, [...theirs, built]), run.id).toBe(true);
    }
  });
});

describe('buildOutputSubjects', () => {
  it('skips values without a uri or a valid digest, naming the artifact, never echoing the value', () => {
    const warnings: string[] = [];
    const taskRun = normalizeTaskRun({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: { name: 'build-1' },
      spec: {},
      status: {
        artifacts: {
          outputs: [
            {
              name: 'image',
              buildOutput: true,
              values: [
                { uri: 'registry.example/team/ok', digest: { SHA256: IMAGE_HEX } },
                { digest: { sha256: IMAGE_HEX } },
                { uri: 'registry.example/team/bad', digest: { sha256: 'secret-looking-value' } },
                { uri: 'registry.example/team/none', digest: {} },
              ],
            },
            {
              name: 'cache',
              buildOutput: false,
              values: [{ uri: 'registry.example/cache', digest: { sha256: FILE_HEX } }],
            },
          ],
        },
      },
    });
    expect(buildOutputSubjects(taskRun, (message) => warnings.push(message))).toEqual([
      { name: 'registry.example/team/ok', digest: { sha256: IMAGE_HEX } },
    ]);
    expect(warnings).toEqual([
      'skipping value 2 of artifact output image: it has no uri',
      'skipping value 3 of artifact output image: its sha256 digest is not valid: a sha256 digest is 64 lower-case hex characters',
      'skipping value 4 of artifact output image: it has no digest',
    ]);
    expect(warnings.join('\n')).not.toContain('secret-looking-value');
  });
});
