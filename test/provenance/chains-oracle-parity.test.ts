// Parity with Tekton Chains itself (the chains-oracle peer: Chains v0.28.1's payloader, in-process): seeded
// realistic runs, stored as a cluster stores them (generated-runs.ts), through tekton-attest's path
// (normalize -> buildSnapshot -> buildStatement -> serializeStatement) and through Chains, every format and
// build type, deep inspection on and off; the parsed JSON must be equal.
//
// Chains pairs `*IMAGE_URL`/`*IMAGE_DIGEST` and `*ARTIFACT_URI`/`*ARTIFACT_DIGEST` results through a Go map
// (artifacts/structured.go), so the order of the subjects they make changes from one call to the next:
// `subject` is compared as a set (subjectsInOurOrder), and so are the images signed per TaskRun. Nothing
// else is. slsa-tekton `content` is compared byte for byte.
//
// TaskRun cases: every generated TaskRun through Chains' TaskRun payloader (artifacts.taskrun, every format
// and build type) against buildTaskRunStatement, and through Chains' artifacts.oci (the images it signs,
// simplesigning) against the OCI images tekton-attest reads from the same results.
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeStatement } from '../../src/provenance/index.js';
import {
  BUILD_TYPE_SLSA,
  BUILD_TYPE_SLSA_TEKTON,
  DEFAULT_BUILDER_ID,
  type FormatName,
} from '../../src/provenance/statement.js';
import { buildTaskRunStatement } from '../../src/provenance/taskrun-statement.js';
import { ociImages } from '../../src/provenance/type-hints.js';
import { normalizeTaskRun } from '../../src/tekton/normalize.js';
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
  ourStatement,
  sameSet,
  subjectsInOurOrder,
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

const TASKRUN_CONFIGS: OracleConfig[] = [
  { format: 'slsa/v1' },
  ...['slsa/v2alpha3', 'slsa/v2alpha4'].flatMap((format) =>
    [BUILD_TYPE_SLSA, BUILD_TYPE_SLSA_TEKTON].map((buildType) => ({ format, buildType })),
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

function nameOf(object: Json): string {
  return (object.metadata as { name: string }).name;
}

/** `repo@sha256:hex` of each image in Chains' simplesigning payloads. */
function signedImages(payloads: readonly string[]): string[] {
  return payloads.map((payload) => {
    const { critical } = JSON.parse(payload) as {
      critical: { identity: { 'docker-reference': string }; image: { 'docker-manifest-digest': string } };
    };
    return `${critical.identity['docker-reference']}@${critical.image['docker-manifest-digest']}`;
  });
}

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

describe('TaskRun cases: the images Chains v0.28.1 signs (artifacts.oci) are the OCI images we read', () => {
  it('covers every generated TaskRun, many with images', () => {
    const taskRuns = runs.flatMap((run) => run.taskRuns);
    expect(taskRuns.length).toBeGreaterThan(150);
    const statements = [...taskRunOracle.values()].flatMap((result) => result.payloads ?? []);
    expect(statements.filter((payload) => payload.payload !== undefined)).toHaveLength(
      taskRuns.length * TASKRUN_CONFIGS.length,
    );
    expect([...taskRunOracle.values()].filter((result) => result.images?.length).length).toBeGreaterThan(30);
  });

  it('every TaskRun: same images, compared as a set', () => {
    const differences: string[] = [];
    for (const taskRun of runs.flatMap((run) => run.taskRuns)) {
      const theirs = signedImages(taskRunOracle.get(nameOf(taskRun))?.images ?? []);
      const normalized = normalizeTaskRun(taskRun);
      const images = ociImages(
        {
          results: normalized.status?.results ?? [],
          source: { kind: 'TaskRun', name: normalized.metadata.name },
        },
        () => {},
      );
      const ours = [...new Set(images.map((image) => `${image.name}@sha256:${image.digest.sha256}`))];
      if (!sameSet(ours, theirs))
        differences.push(`${nameOf(taskRun)}: ours ${ours.join(' ')} / Chains ${theirs.join(' ')}`);
    }
    expect(differences).toEqual([]);
  });
});

describe('TaskRun cases: buildTaskRunStatement equals Chains v0.28.1 (artifacts.taskrun)', () => {
  for (const seed of SEEDS) {
    it(`the TaskRuns of seed-${seed} x ${TASKRUN_CONFIGS.length} configurations`, () => {
      const run = runs.find((r) => r.id === `seed-${seed}`) as GeneratedRun;
      const problems: string[] = [];
      for (const taskRun of run.taskRuns) {
        const normalized = normalizeTaskRun(taskRun);
        for (const payload of taskRunOracle.get(nameOf(taskRun))?.payloads ?? []) {
          const label = `${nameOf(taskRun)} ${configLabel(payload.config)}`;
          if (payload.error !== undefined) {
            problems.push(`${label}: Chains failed: ${payload.error}`);
            continue;
          }
          const statement = buildTaskRunStatement(
            normalized,
            {
              format: payload.config.format as FormatName,
              builderId: DEFAULT_BUILDER_ID,
              buildType: payload.config.buildType ?? BUILD_TYPE_SLSA,
              deepInspection: false,
            },
            () => {},
          );
          const ours = JSON.parse(new TextDecoder().decode(serializeStatement(statement))) as Json;
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
