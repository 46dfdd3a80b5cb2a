// Parity with Tekton Chains itself (the chains-oracle peer: Chains v0.28.1's payloader, in-process): seeded
// realistic runs, stored as a cluster stores them (generated-runs.ts), through tekton-attest's path
// (normalize -> buildSnapshot -> buildStatement -> serializeStatement) and through Chains, every format and
// build type, deep inspection on and off; the parsed JSON must be equal.
//
// Chains pairs `*IMAGE_URL`/`*IMAGE_DIGEST` and `*ARTIFACT_URI`/`*ARTIFACT_DIGEST` results through a Go map
// (artifacts/structured.go), so the order of the subjects they make changes from one call to the next:
// `subject` is compared as a set (subjectsInOurOrder), and so are the image signatures' payloads. Nothing
// else is. slsa-tekton `content` is compared byte for byte.
//
// TaskRun cases: every generated TaskRun through Chains' TaskRun payloader (artifacts.taskrun, every format
// and build type) against buildTaskRunStatement, and through Chains' artifacts.oci (the simplesigning
// payloads of the images it signs) against the image signatures attest makes for the run (signed-images.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TYPE_SLSA, BUILD_TYPE_SLSA_TEKTON } from '../../src/provenance/statement.js';
import {
  CHAINS_ORACLE_BUILD_TIMEOUT_MS,
  chainsOracleBin,
  chainsPayloads,
  type OracleConfig,
  type OracleResult,
} from '../peers/chains-oracle.js';
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

const RUN_COUNT = 60;
const SEEDS = Array.from({ length: RUN_COUNT }, (_, i) => 1000 + i);

const CONFIGS: OracleConfig[] = [
  { format: 'slsa/v1' },
  { format: 'slsa/v1', deepInspection: true },
  ...['slsa/v2alpha3', 'slsa/v2alpha4'].flatMap((format) =>
    [BUILD_TYPE_SLSA, BUILD_TYPE_SLSA_TEKTON].flatMap((buildType) => [
      { format, buildType },
      { format, buildType, deepInspection: true },
    ]),
  ),
];

let runs: GeneratedRun[];
let oracle: Map<string, OracleResult>;
let taskRunOracle: Map<string, OracleResult>;

beforeAll(async () => {
  await chainsOracleBin();
  runs = await storedRuns(SEEDS);
  const results = await chainsPayloads(
    runs.map((run) => ({
      id: run.id,
      pipelineRun: run.pipelineRun,
      taskRuns: run.taskRuns,
      configs: CONFIGS,
    })),
  );
  oracle = new Map(results.map((result) => [result.id, result]));
  const taskRunResults = await chainsPayloads(
    runs.flatMap((run) =>
      run.taskRuns.map((taskRun) => ({ id: nameOf(taskRun), taskRun, configs: TASKRUN_CONFIGS })),
    ),
  );
  taskRunOracle = new Map(taskRunResults.map((result) => [result.id, result]));
}, CHAINS_ORACLE_BUILD_TIMEOUT_MS);

describe('parity with Chains v0.28.1 on generated runs', () => {
  it(`covers ${RUN_COUNT} runs x ${CONFIGS.length} configurations, v1beta1 and hard-cancelled runs among them`, () => {
    expect(runs).toHaveLength(RUN_COUNT);
    expect(runs.filter((run) => run.legacy).length).toBeGreaterThan(5);
    expect(runs.filter((run) => run.hardCancelled).length).toBeGreaterThan(2);
  });

  for (const seed of SEEDS) {
    it(`seed-${seed}`, () => {
      const run = runs.find((r) => r.id === `seed-${seed}`) as GeneratedRun;
      const result = oracle.get(run.id) as OracleResult;
      expect(result.error).toBeUndefined();
      const problems: string[] = [];
      for (const payload of result.payloads ?? []) {
        const mine = ourStatement(run, payload.config);
        if (payload.error !== undefined) {
          problems.push(`${configLabel(payload.config)}: Chains failed: ${payload.error}`);
          continue;
        }
        const theirs = subjectsInOurOrder(JSON.parse(payload.payload as string), mine.statement);
        try {
          expect(mine.statement).toEqual(theirs);
        } catch (error) {
          problems.push(`${configLabel(payload.config)}: ${(error as Error).message.slice(0, 3000)}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});

describe('image signatures: the images Chains v0.28.1 signs (artifacts.oci), with the same payload bytes', () => {
  it('covers every generated TaskRun, many with images', () => {
    const taskRuns = runs.flatMap((run) => run.taskRuns);
    expect(taskRuns.length).toBeGreaterThan(150);
    const statements = [...taskRunOracle.values()].flatMap((result) => result.payloads ?? []);
    expect(statements.filter((payload) => payload.payload !== undefined)).toHaveLength(
      taskRuns.length * TASKRUN_CONFIGS.length,
    );
    expect([...taskRunOracle.values()].filter((result) => result.images?.length).length).toBeGreaterThan(30);
  });

  // Chains signs each finished TaskRun's images when it finishes (every generated TaskRun has finished);
  // attest signs those of all its TaskRuns at once, each image once. Chains pairs *IMAGE_URL/*IMAGE_DIGEST
  // through a Go map, so its order is random: the payloads are compared as a set, each byte for byte.
  it('every run: the simplesigning payloads attest signs equal those Chains signs for its TaskRuns', () => {
    const differences: string[] = [];
    let signed = 0;
    for (const run of runs) {
      const theirs = [
        ...new Set(
          run.taskRuns
            .filter((taskRun) => (taskRun.status as Json | undefined)?.completionTime)
            .flatMap((taskRun) => taskRunOracle.get(nameOf(taskRun))?.images ?? []),
        ),
      ];
      const ours = ourImageSignaturePayloads(run);
      signed += ours.length;
      if (!sameSet(ours, theirs))
        differences.push(`${run.id}: ours ${ours.join(' ')} / Chains ${theirs.join(' ')}`);
    }
    expect(differences).toEqual([]);
    expect(signed).toBeGreaterThan(30);
  });
});

describe('TaskRun cases: buildTaskRunStatement equals Chains v0.28.1 (artifacts.taskrun)', () => {
  for (const seed of SEEDS) {
    it(`the TaskRuns of seed-${seed} x ${TASKRUN_CONFIGS.length} configurations`, () => {
      const run = runs.find((r) => r.id === `seed-${seed}`) as GeneratedRun;
      const problems: string[] = [];
      for (const taskRun of run.taskRuns) {
        for (const payload of taskRunOracle.get(nameOf(taskRun))?.payloads ?? []) {
          const label = `${nameOf(taskRun)} ${configLabel(payload.config)}`;
          if (payload.error !== undefined) {
            problems.push(`${label}: Chains failed: ${payload.error}`);
            continue;
          }
          const ours = ourTaskRunStatement(taskRun, payload.config);
          const difference = firstDifference(
            ours,
            subjectsInOurOrder(JSON.parse(payload.payload as string), ours),
          );
          if (difference) problems.push(`${label}: ${difference}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
