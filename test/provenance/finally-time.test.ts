// A run as the attesting finally task sees it: the PipelineRun is still Running, status.results is empty,
// the attest TaskRun itself is running, another finally task has finished, one DAG task was skipped by
// `when` and one failed (having written a result, which Tekton keeps). The statement must still be what
// Chains would write once the run completes.
import { describe, expect, it } from 'vitest';
import { parseFormatOptions } from '../../src/config/format.js';
import { buildStatement } from '../../src/provenance/index.js';
import { buildSnapshot } from '../../src/tekton/build-snapshot.js';
import { DIGEST_A, DIGEST_B, pipelineRun, task, taskRun } from '../tekton/make-run.js';

const run = pipelineRun({
  tasks: [
    task('clone'),
    task('build', { params: [{ name: 'revision', value: '$(tasks.clone.results.commit)' }] }),
    task('scan', { when: [{ input: '$(params.scan)', operator: 'in', values: ['true'] }] }),
    task('unit-test', { runAfter: ['build'] }),
  ],
  finally: [task('notify'), task('attest')],
  results: [
    { name: 'CHAINS-GIT_URL', value: '$(tasks.clone.results.url)' },
    { name: 'CHAINS-GIT_COMMIT', value: '$(tasks.clone.results.commit)' },
    { name: 'IMAGE_URL', value: '$(tasks.build.results.IMAGE_URL)' },
    { name: 'IMAGE_DIGEST', value: '$(tasks.build.results.IMAGE_DIGEST)' },
    { name: 'tags', type: 'array', value: '$(tasks.build.results.tags[*])' },
    {
      name: 'sbom-ARTIFACT_OUTPUTS',
      type: 'object',
      value: { uri: '$(tasks.build.results.sbom.uri)', digest: '$(tasks.build.results.sbom.digest)' },
    },
    { name: 'summary', value: 'built $(tasks.build.results.IMAGE_URL) from $(tasks.clone.results.commit)' },
    { name: 'scan-report', value: '$(tasks.scan.results.report)' },
    { name: 'coverage', value: '$(tasks.unit-test.results.coverage)' },
  ],
});

const commit = 'f'.repeat(40);
const taskRuns = [
  taskRun('build-pr-clone', 'clone', {
    completionTime: '2026-01-02T10:01:00Z',
    results: [
      { name: 'url', value: 'https://git.example/app' },
      { name: 'commit', value: commit },
    ],
  }),
  taskRun('build-pr-build', 'build', {
    completionTime: '2026-01-02T10:03:00Z',
    results: [
      { name: 'IMAGE_URL', value: 'registry.example/app:1.0' },
      { name: 'IMAGE_DIGEST', value: DIGEST_A },
      { name: 'tags', value: ['1.0', 'latest'] },
      { name: 'sbom', value: { uri: 'registry.example/app-sbom', digest: DIGEST_B } },
    ],
  }),
  taskRun('build-pr-unit-test', 'unit-test', {
    succeeded: 'False',
    completionTime: '2026-01-02T10:02:00Z',
    results: [{ name: 'coverage', value: '71' }],
  }),
  taskRun('build-pr-notify', 'notify', { completionTime: '2026-01-02T10:05:00Z' }),
  // The attesting TaskRun: running, no completionTime, excluded.
  taskRun('build-pr-attest', 'attest', { succeeded: 'Unknown', completionTime: null }),
];

const snapshot = buildSnapshot({ pipelineRun: run, taskRuns, exclude: ['build-pr-attest'] });

describe('a finally-time run', () => {
  it("resolves the pipeline results Tekton has not written yet: a failed task's written result counts, a skipped task's are omitted", () => {
    expect(run.status?.results).toEqual([]);
    expect(snapshot.pipelineResults).toEqual([
      { name: 'CHAINS-GIT_URL', value: 'https://git.example/app' },
      { name: 'CHAINS-GIT_COMMIT', value: commit },
      { name: 'IMAGE_URL', value: 'registry.example/app:1.0' },
      { name: 'IMAGE_DIGEST', value: DIGEST_A },
      { name: 'tags', value: ['1.0', 'latest'] },
      { name: 'sbom-ARTIFACT_OUTPUTS', value: { uri: 'registry.example/app-sbom', digest: DIGEST_B } },
      { name: 'summary', value: `built registry.example/app:1.0 from ${commit}` },
      // Tekton's GetTaskRunsResults takes a failed TaskRun's results too (checked against Tekton's own
      // code in test/tekton/pipeline-results-tekton.test.ts).
      { name: 'coverage', value: '71' },
    ]);
  });

  it('excludes the attesting TaskRun and ends the build at the latest sibling completion', () => {
    expect(snapshot.taskRuns.map((r) => r.metadata.name)).not.toContain('build-pr-attest');
    expect(snapshot.unfinished).toEqual([]);
    expect(snapshot.finishedOn).toBe('2026-01-02T10:05:00Z');
  });

  it('writes a SLSA v0.2 statement with the resolved subjects, materials and task order', () => {
    const statement = buildStatement(snapshot, parseFormatOptions({ format: 'slsa/v1' }), { warn: () => {} });
    expect(statement.subject).toEqual([
      { name: 'registry.example/app', digest: { sha256: 'a'.repeat(64) } },
      { name: 'registry.example/app-sbom', digest: { sha256: 'b'.repeat(64) } },
    ]);
    const predicate = statement.predicate as {
      metadata: { buildStartedOn: string; buildFinishedOn: string };
      buildConfig: { tasks: { name: string; after?: string[]; status: string }[] };
      materials: { uri: string; digest: Record<string, string> }[];
    };
    expect(predicate.metadata.buildFinishedOn).toBe('2026-01-02T10:05:00Z');
    expect(predicate.buildConfig.tasks.map((t) => [t.name, t.after, t.status])).toEqual([
      ['clone', undefined, 'Succeeded'],
      ['build', ['clone'], 'Succeeded'],
      ['unit-test', ['build'], 'Failed'],
      // A finally task without runAfter follows the last DAG task that ran (the failed one counts).
      ['notify', ['unit-test'], 'Succeeded'],
    ]);
    expect(predicate.materials.at(-1)).toEqual({
      uri: 'git+https://git.example/app.git',
      digest: { sha1: commit },
    });
  });

  it('writes SLSA v1.0 byproducts from the resolved results and finishedOn from the latest sibling', () => {
    const statement = buildStatement(snapshot, parseFormatOptions({ format: 'slsa/v2alpha4' }), {
      warn: () => {},
    });
    const predicate = statement.predicate as {
      runDetails: { metadata: { finishedOn: string }; byproducts: { name: string; content: string }[] };
    };
    expect(predicate.runDetails.metadata.finishedOn).toBe('2026-01-02T10:05:00Z');
    const byproducts = Object.fromEntries(
      predicate.runDetails.byproducts.map((b) => [b.name, Buffer.from(b.content, 'base64').toString()]),
    );
    expect(byproducts).toEqual({
      'pipelineRunResults/build-pr/CHAINS-GIT_URL': '"https://git.example/app"',
      'pipelineRunResults/build-pr/CHAINS-GIT_COMMIT': `"${commit}"`,
      'pipelineRunResults/build-pr/tags': '["1.0","latest"]',
      // Not a build artifact (no isBuildArtifact), so a byproduct in v2alpha4; keys sorted as Go does.
      'pipelineRunResults/build-pr/sbom-ARTIFACT_OUTPUTS': `{"digest":"${DIGEST_B}","uri":"registry.example/app-sbom"}`,
      'pipelineRunResults/build-pr/summary': `"built registry.example/app:1.0 from ${commit}"`,
      'pipelineRunResults/build-pr/coverage': '"71"',
    });
    expect(statement.subject).toEqual([{ name: 'registry.example/app', digest: { sha256: 'a'.repeat(64) } }]);
  });

  it('gives the same statement as the completed run, once Tekton has written status.results', () => {
    const completed = structuredClone(run);
    completed.status = {
      ...completed.status,
      completionTime: '2026-01-02T10:05:00Z',
      results: snapshot.pipelineResults,
    };
    const later = buildSnapshot({ pipelineRun: completed, taskRuns, exclude: ['build-pr-attest'] });
    for (const format of ['slsa/v1', 'slsa/v2alpha3', 'slsa/v2alpha4']) {
      const options = parseFormatOptions({ format });
      expect(buildStatement(snapshot, options, { warn: () => {} })).toEqual(
        buildStatement(later, options, { warn: () => {} }),
      );
    }
  });
});
