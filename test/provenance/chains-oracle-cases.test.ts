// One case per behaviour where tekton-attest used to differ from Chains v0.28.1, each compared with the
// oracle (Chains' own payloader) on objects as a client or an older controller stored them (not re-encoded
// first), plus the deliberate difference and what Chains cannot do at all.
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TYPE_SLSA_TEKTON } from '../../src/provenance/statement.js';
import type { PipelineRun, TaskRun } from '../../src/tekton/types.js';
import {
  CHAINS_ORACLE_BUILD_TIMEOUT_MS,
  chainsOracleBin,
  chainsPayloads,
  type OracleConfig,
  type OracleResult,
} from '../peers/chains-oracle.js';
import { DIGEST_A, DIGEST_B, pipelineRun, task, taskRun } from '../tekton/make-run.js';
import {
  configLabel,
  firstDifference,
  type Json,
  ourStatement,
  subjectsInOurOrder,
} from './oracle-compare.js';

const DONE = '2026-01-02T10:05:00Z';
const COMMIT = 'e'.repeat(40);
const ALL_CONFIGS: OracleConfig[] = [
  { format: 'slsa/v1' },
  { format: 'slsa/v1', deepInspection: true },
  { format: 'slsa/v2alpha3' },
  { format: 'slsa/v2alpha3', buildType: BUILD_TYPE_SLSA_TEKTON },
  { format: 'slsa/v2alpha4', deepInspection: true },
  { format: 'slsa/v2alpha4', buildType: BUILD_TYPE_SLSA_TEKTON, deepInspection: true },
];

interface Case {
  pipelineRun: PipelineRun | Json;
  taskRuns: (TaskRun | Json)[];
  customRuns?: Json[];
}

/** Our statements and Chains' for every config: the differences (empty when equal). */
async function differences(run: Case, configs = ALL_CONFIGS): Promise<string[]> {
  const [result] = await chainsPayloads([{ id: 'case', ...run, configs }]);
  const problems: string[] = [];
  if (result?.error) return [`Chains: ${result.error}`];
  for (const payload of result?.payloads ?? []) {
    if (payload.error) {
      problems.push(`${configLabel(payload.config)}: Chains failed: ${payload.error}`);
      continue;
    }
    const ours = ourStatement(run, payload.config).statement;
    const theirs = subjectsInOurOrder(JSON.parse(payload.payload as string) as Json, ours);
    const difference = firstDifference(ours, theirs);
    if (difference) problems.push(`${configLabel(payload.config)}: ${difference}`);
  }
  return problems;
}

function oneTaskRun(
  options: Parameters<typeof taskRun>[2] = {},
  run: Partial<Parameters<typeof pipelineRun>[0]> = {},
) {
  const build = taskRun('build-pr-build', 'build', options);
  return {
    pipelineRun: pipelineRun({
      tasks: [task('build')],
      completionTime: DONE,
      childReferences: [build.metadata.name ?? ''],
      ...run,
    }),
    taskRuns: [build],
  };
}

function dependencies(statement: Json): { name?: string; uri?: string; digest?: Json }[] {
  return ((statement.predicate as Json).buildDefinition as { resolvedDependencies: [] }).resolvedDependencies;
}

let oracle: (run: Case, configs?: OracleConfig[]) => Promise<OracleResult>;

beforeAll(async () => {
  await chainsOracleBin();
  oracle = async (run, configs = ALL_CONFIGS) =>
    (await chainsPayloads([{ id: 'case', ...run, configs }]))[0] as OracleResult;
}, CHAINS_ORACLE_BUILD_TIMEOUT_MS);

describe('behaviours that used to differ from Chains v0.28.1', () => {
  it('git URIs get git+ and .git only when missing', async () => {
    for (const url of [
      'https://git.example/app',
      'https://git.example/app.git',
      'git+https://git.example/app',
      'git+https://git.example/app.git',
    ]) {
      const run = oneTaskRun(
        {
          params: [
            { name: 'CHAINS-GIT_URL', value: url },
            { name: 'CHAINS-GIT_COMMIT', value: COMMIT },
          ],
        },
        {
          params: [
            { name: 'CHAINS-GIT_URL', value: url },
            { name: 'CHAINS-GIT_COMMIT', value: COMMIT },
          ],
        },
      );
      expect(await differences(run)).toEqual([]);
      const statement = ourStatement(run, { format: 'slsa/v2alpha3' }).statement;
      expect(dependencies(statement)).toContainEqual({
        name: 'inputs/result',
        uri: 'git+https://git.example/app.git',
        digest: { sha1: COMMIT },
      });
    }
  });

  it('slsa/v2alpha4 with deep inspection: step-level CHAINS-GIT_URL/COMMIT results are inputs/result', async () => {
    const run = oneTaskRun({
      steps: [
        {
          name: 'clone',
          image: `registry.example/git@${DIGEST_A}`,
          results: [
            { name: 'CHAINS-GIT_URL', value: 'https://git.example/lib' },
            { name: 'CHAINS-GIT_COMMIT', value: COMMIT },
          ],
        },
      ],
    });
    expect(await differences(run)).toEqual([]);
    const statement = ourStatement(run, { format: 'slsa/v2alpha4', deepInspection: true }).statement;
    expect(dependencies(statement)).toContainEqual({
      name: 'inputs/result',
      uri: 'git+https://git.example/lib.git',
      digest: { sha1: COMMIT },
    });
  });

  it("feature flags as Tekton's FeatureFlags struct writes them: JSON names, no zero values, no unknown keys", async () => {
    const run = oneTaskRun();
    (run.pipelineRun.status as Json).provenance = {
      featureFlags: {
        EnableAPIFields: 'alpha', // Go field name from a controller before the struct had JSON tags
        enableAPIFields: 'beta',
        disableCredsInit: false,
        maxResultSize: 0,
        coschedule: '',
        awaitSidecarReadiness: true,
        enableTektonOCIBundles: false, // a *bool: kept even when false
        someFutureFlag: 'x',
      },
    };
    expect(await differences(run)).toEqual([]);
    const statement = ourStatement(run, { format: 'slsa/v2alpha3' }).statement;
    expect(((statement.predicate as Json).buildDefinition as Json).internalParameters).toEqual({
      'tekton-pipelines-feature-flags': {
        enableAPIFields: 'beta',
        awaitSidecarReadiness: true,
        enableTektonOCIBundles: false,
      },
    });
  });

  it('runSpec: a null creationTimestamp is omitted at every depth (volumeClaimTemplate)', async () => {
    const run = oneTaskRun();
    run.pipelineRun.spec.workspaces = [
      {
        name: 'source',
        volumeClaimTemplate: {
          metadata: { creationTimestamp: null },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      },
    ];
    expect(await differences(run)).toEqual([]);
    const statement = ourStatement(run, { format: 'slsa/v2alpha4' }).statement;
    expect(JSON.stringify(statement)).not.toContain('creationTimestamp');
  });

  it("runSpec keeps an embedded custom task's spec (runtime.RawExtension) as Go writes it", async () => {
    const run = oneTaskRun();
    run.pipelineRun.spec = {
      pipelineSpec: {
        tasks: [
          { name: 'build', taskRef: { name: 'build' } },
          {
            name: 'approve',
            when: [{ input: 'a', operator: 'in', values: ['b'] }],
            taskSpec: {
              apiVersion: 'custom.example/v1',
              kind: 'Approval',
              spec: { z: 1, approvers: ['<team>'] },
            },
          },
        ],
      },
    };
    expect(await differences(run, [{ format: 'slsa/v2alpha4' }])).toEqual([]);
  });

  it('v1beta1 objects are read as Tekton converts them (computeResources, terminationReason, no configSource)', async () => {
    const build = taskRun('build-pr-build', 'build', {
      steps: [{ name: 'build', image: `registry.example/builder@${DIGEST_A}` }],
      results: [
        { name: 'IMAGE_URL', value: 'registry.example/app' },
        { name: 'IMAGE_DIGEST', value: DIGEST_B },
      ],
    }) as unknown as Json;
    build.apiVersion = 'tekton.dev/v1beta1';
    const status = build.status as Json;
    status.taskResults = status.results;
    delete status.results;
    status.provenance = {
      configSource: { uri: 'git+https://git.example/catalog', digest: { sha1: COMMIT } },
    };
    for (const step of (status.taskSpec as { steps: Json[] }).steps)
      step.resources = { requests: { cpu: '100m' } };
    const legacyRun = pipelineRun({
      tasks: [task('build')],
      completionTime: DONE,
      childReferences: ['build-pr-build'],
    }) as unknown as Json;
    legacyRun.apiVersion = 'tekton.dev/v1beta1';
    // v1beta1 names the run's service account in the spec (ConvertTo moves it into taskRunTemplate).
    legacyRun.spec = { pipelineRef: { name: 'build' }, serviceAccountName: 'pipeline' };
    const run = { pipelineRun: legacyRun, taskRuns: [build] };
    expect(await differences(run)).toEqual([]);
    const statement = ourStatement(run, {
      format: 'slsa/v2alpha3',
      buildType: BUILD_TYPE_SLSA_TEKTON,
    }).statement;
    const [content] = dependencies(statement).map((d) => (d as { content?: string }).content);
    const taskRunAsChains = JSON.parse(Buffer.from(content ?? '', 'base64').toString()) as {
      status: { steps: Json[]; taskSpec: { steps: Json[] }; provenance?: Json };
    };
    expect(taskRunAsChains.status.taskSpec.steps[0]).toMatchObject({
      computeResources: { requests: { cpu: '100m' } },
    });
    expect(taskRunAsChains.status.steps[0]).toMatchObject({ terminationReason: 'Completed' });
    // ConvertTo keeps the provenance but not its configSource.
    expect(taskRunAsChains.status.provenance).toEqual({});
  });

  it('slsa-tekton content holds the bytes Chains writes (raw stored objects, not re-encoded)', async () => {
    const run = oneTaskRun({
      sidecars: [{ name: 'dind', image: `docker-pullable://registry.example/dind@${DIGEST_B}` }],
    });
    const raw = run.taskRuns[0] as unknown as Json;
    (raw.metadata as Json).creationTimestamp = '2026-01-02T09:59:59Z';
    (raw.metadata as Json).managedFields = [{ manager: 'controller', fieldsV1: { 'f:status': { '.': {} } } }];
    (raw.status as Json).someFieldFromTheFuture = { a: 1 };
    const theirs = await oracle(run, [{ format: 'slsa/v2alpha4', buildType: BUILD_TYPE_SLSA_TEKTON }]);
    const chains = JSON.parse(theirs.payloads?.[0]?.payload as string) as Json;
    const ours = ourStatement(run, { format: 'slsa/v2alpha4', buildType: BUILD_TYPE_SLSA_TEKTON }).statement;
    const contentOf = (statement: Json) => (dependencies(statement)[0] as { content: string }).content;
    expect(contentOf(ours)).toBe(contentOf(chains));
  });

  it('a finished run uses status.results as Tekton wrote them: none for a cancelled run', async () => {
    const run = oneTaskRun(
      {
        results: [
          { name: 'IMAGE_URL', value: 'registry.example/app' },
          { name: 'IMAGE_DIGEST', value: DIGEST_B },
        ],
      },
      {
        results: [
          { name: 'IMAGE_URL', value: '$(tasks.build.results.IMAGE_URL)' },
          { name: 'IMAGE_DIGEST', value: '$(tasks.build.results.IMAGE_DIGEST)' },
        ],
      },
    );
    run.pipelineRun.spec.status = 'Cancelled';
    (run.pipelineRun.status as Json).conditions = [
      { type: 'Succeeded', status: 'False', reason: 'Cancelled' },
    ];
    expect(await differences(run)).toEqual([]);
    expect(ourStatement(run, { format: 'slsa/v1' }).statement.subject).toBeUndefined();
  });
});

describe('where tekton-attest deliberately differs from Chains, or goes beyond it', () => {
  it('a step imageID without a digest: Chains fails the whole statement, we skip that material with a warning', async () => {
    const run = oneTaskRun({
      steps: [
        { name: 'build', image: `registry.example/builder@${DIGEST_A}` },
        { name: 'local', image: 'registry.example/dev:latest' },
      ],
    });
    const chains = await oracle(run, [{ format: 'slsa/v1' }, { format: 'slsa/v2alpha4' }]);
    for (const payload of chains.payloads ?? []) expect(payload.error).toBeDefined();
    const ours = ourStatement(run, { format: 'slsa/v1' });
    const materials = (ours.statement.predicate as { materials: { uri: string }[] }).materials.map(
      (m) => m.uri,
    );
    expect(materials).toEqual(['oci://registry.example/builder']);
    expect(ours.warnings.join('\n')).toContain('registry.example/dev:latest');
  });

  it('a PipelineRun with a CustomRun child: Chains v0.28 never signs it, we attest it', async () => {
    const run = oneTaskRun({
      results: [
        { name: 'IMAGE_URL', value: 'registry.example/app' },
        { name: 'IMAGE_DIGEST', value: DIGEST_B },
      ],
    });
    run.pipelineRun.status?.pipelineSpec?.tasks?.push(
      task('approve', { taskRef: { apiVersion: 'custom.example/v1', kind: 'Approval' } }),
    );
    run.pipelineRun.status?.childReferences?.push({
      apiVersion: 'tekton.dev/v1beta1',
      kind: 'CustomRun',
      name: 'build-pr-approve',
    });
    const approval = {
      apiVersion: 'tekton.dev/v1beta1',
      kind: 'CustomRun',
      metadata: { name: 'build-pr-approve', labels: { 'tekton.dev/pipelineTask': 'approve' } },
      spec: {},
      status: { conditions: [{ type: 'Succeeded', status: 'True' }], completionTime: DONE },
    };
    const chains = await oracle({ ...run, customRuns: [approval] });
    expect(chains.error).toContain('not signed');
    const ours = ourStatement({ ...run, customRuns: [approval] }, { format: 'slsa/v1' });
    expect(
      (ours.statement.predicate as { buildConfig: { tasks: { name: string }[] } }).buildConfig.tasks.map(
        (t) => t.name,
      ),
    ).toEqual(['build']);
  });
});
