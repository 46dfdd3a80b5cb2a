// Parity with Tekton Chains itself (the chains-oracle peer: Chains v0.28.1's payloader, in-process): seeded
// realistic runs, stored as a cluster stores them (generated-runs.ts), through tekton-attest's path
// (normalize -> buildSnapshot -> buildStatement -> serializeStatement) and through Chains, every format and
// build type, deep inspection on and off; the parsed JSON must be equal.
//
// Chains pairs `*IMAGE_URL`/`*IMAGE_DIGEST` and `*ARTIFACT_URI`/`*ARTIFACT_DIGEST` results through a Go map
// (artifacts/structured.go), so the order of the subjects they make changes from one call to the next:
// `subject` is compared as a set (inOrderOfChains). Nothing else is. slsa-tekton `content` is compared
// byte for byte.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStatement, serializeStatement } from '../../src/provenance/index.js';
import {
  BUILD_TYPE_SLSA,
  BUILD_TYPE_SLSA_TEKTON,
  DEFAULT_BUILDER_ID,
  type FormatName,
  type FormatOptions,
} from '../../src/provenance/statement.js';
import { buildSnapshot } from '../../src/tekton/build-snapshot.js';
import { normalizePipelineRun, normalizeTaskRun } from '../../src/tekton/normalize.js';
import {
  CHAINS_ORACLE_BUILD_TIMEOUT_MS,
  chainsOracleBin,
  chainsPayloads,
  type OracleConfig,
  type OracleResult,
} from '../peers/chains-oracle.js';
import type { GeneratedRun } from './generate-runs.js';
import { storedRuns } from './generated-runs.js';

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
}, CHAINS_ORACLE_BUILD_TIMEOUT_MS);

function ours(run: GeneratedRun, config: OracleConfig): { statement: unknown; warnings: string[] } {
  const options: FormatOptions = {
    format: config.format as FormatName,
    builderId: DEFAULT_BUILDER_ID,
    buildType: config.buildType ?? BUILD_TYPE_SLSA,
    deepInspection: config.deepInspection ?? false,
  };
  const snapshot = buildSnapshot({
    pipelineRun: normalizePipelineRun(run.pipelineRun),
    taskRuns: run.taskRuns.map(normalizeTaskRun),
  });
  const warnings: string[] = [];
  const statement = buildStatement(snapshot, options, { warn: (message) => warnings.push(message) });
  return { statement: JSON.parse(new TextDecoder().decode(serializeStatement(statement))), warnings };
}

type Json = Record<string, unknown>;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** Chains' statement with its subjects in our order when both hold the same set (else unchanged). */
function inOrderOfChains(theirs: Json, ours: unknown): Json {
  const theirSubjects = (theirs.subject ?? []) as unknown[];
  const ourSubjects = ((ours as Json).subject ?? []) as unknown[];
  const key = (subject: unknown) => canonical(subject);
  const sameSet =
    theirSubjects.length === ourSubjects.length &&
    [...theirSubjects.map(key)].sort().join('\n') === [...ourSubjects.map(key)].sort().join('\n');
  return sameSet && theirSubjects.length > 0 ? { ...theirs, subject: ourSubjects } : theirs;
}

function label(config: OracleConfig): string {
  const buildType = config.buildType?.split('/').pop();
  return `${config.format}${buildType ? ` ${buildType}` : ''}${config.deepInspection ? ' deep' : ''}`;
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
        const mine = ours(run, payload.config);
        if (payload.error !== undefined) {
          problems.push(`${label(payload.config)}: Chains failed: ${payload.error}`);
          continue;
        }
        const theirs = inOrderOfChains(JSON.parse(payload.payload as string), mine.statement);
        try {
          expect(mine.statement).toEqual(theirs);
        } catch (error) {
          problems.push(`${label(payload.config)}: ${(error as Error).message.slice(0, 3000)}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
