// Every Chains conformance case (../shared/fixtures/chains) through the code path `payload` uses:
// files on disk -> loadRunFiles -> buildSnapshot -> buildStatement -> serializeStatement -> parsed JSON.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPayload } from '../../src/commands/payload.js';
import { parseFormatOptions } from '../../src/config/format.js';
import { FIXTURES_DIR } from '../harness/fixtures.js';

const FIXTURES = join(FIXTURES_DIR, 'chains');

interface CaseIndex {
  cases: { id: string; format: string; assertScope: string }[];
}

interface CaseInput {
  pipelineRun: unknown;
  taskRuns: unknown[];
  config: { format: string; builderId: string | null; buildType: string | null; deepInspection: boolean };
}

const index = JSON.parse(await readFile(join(FIXTURES, 'cases.json'), 'utf8')) as CaseIndex;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chains-fixtures-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Chains fixture cases', () => {
  it('has the 14 cases the fixture README announces', () => {
    expect(index.cases).toHaveLength(14);
  });

  for (const testCase of index.cases) {
    it(`${testCase.id} (${testCase.format}, ${testCase.assertScope})`, async () => {
      const caseDir = join(FIXTURES, 'cases', testCase.id);
      const input = JSON.parse(await readFile(join(caseDir, 'input.json'), 'utf8')) as CaseInput;
      const expected = JSON.parse(await readFile(join(caseDir, 'expected.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      const prFile = join(dir, `${testCase.id}-pipelinerun.json`);
      const trFile = join(dir, `${testCase.id}-taskruns.json`);
      await writeFile(prFile, JSON.stringify(input.pipelineRun));
      await writeFile(trFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: input.taskRuns }));

      const format = parseFormatOptions({
        format: input.config.format,
        'builder-id': input.config.builderId ?? undefined,
        'build-type': input.config.buildType ?? undefined,
        'deep-inspection': input.config.deepInspection,
      });
      const payload = await buildPayload({ pipelineRun: prFile, taskRuns: [trFile] }, [], format);
      const actual = JSON.parse(new TextDecoder().decode(payload.bytes)) as Record<string, unknown>;

      if (testCase.assertScope === 'statement') {
        expect(actual).toStrictEqual(expected);
      } else {
        // Partial cases assert one sub-tree, e.g. predicate.buildConfig: compare exactly that.
        const path = testCase.assertScope.split('.');
        expect(pick(actual, path)).toStrictEqual(pick(expected, path));
        expect(pick(expected, path)).toBeDefined();
      }
    });
  }
});

function pick(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
}
