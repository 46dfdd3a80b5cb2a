import { describe, expect, it } from 'vitest';
import { groupByPipelineTask } from '../../src/tekton/build-snapshot.js';
import { resolvePipelineResults } from '../../src/tekton/pipeline-results.js';
import type { PipelineSpec, TaskRun } from '../../src/tekton/types.js';
import { DIGEST_A, DIGEST_B, task, taskRun } from './make-run.js';

function resolve(spec: PipelineSpec, taskRuns: TaskRun[]) {
  return resolvePipelineResults(spec, {
    taskRunsByTask: groupByPipelineTask(taskRuns),
    customRunsByTask: new Map(),
  });
}

const build = taskRun('pr-build', 'build', {
  results: [
    { name: 'IMAGE_URL', value: 'registry.example/app' },
    { name: 'IMAGE_DIGEST', value: DIGEST_A },
    { name: 'tags', type: 'array', value: ['v1', 'latest'] },
    { name: 'artifact', type: 'object', value: { uri: 'pkg:npm/app@1.0.0', digest: DIGEST_B } },
  ],
});

describe('resolvePipelineResults (what Tekton computes when the run completes)', () => {
  it('resolves strings, array [*] and [i], object .key and [*], and references inside strings', () => {
    const spec: PipelineSpec = {
      tasks: [task('build')],
      results: [
        { name: 'IMAGE_URL', value: '$(tasks.build.results.IMAGE_URL)' },
        { name: 'tags', type: 'array', value: '$(tasks.build.results.tags[*])' },
        { name: 'first-tag', value: '$(tasks.build.results.tags[0])' },
        { name: 'tag-list', type: 'array', value: ['$(tasks.build.results.tags[*])', 'extra'] },
        { name: 'artifact-uri', value: '$(tasks.build.results.artifact.uri)' },
        { name: 'artifact', type: 'object', value: '$(tasks.build.results.artifact[*])' },
        {
          name: 'app-ARTIFACT_OUTPUTS',
          type: 'object',
          value: {
            uri: '$(tasks.build.results.artifact.uri)',
            digest: '$(tasks.build.results.artifact.digest)',
            isBuildArtifact: 'true',
          },
        },
        {
          name: 'summary',
          value:
            'image $(tasks.build.results.IMAGE_URL)@$(tasks.build.results.IMAGE_DIGEST) tagged $(tasks.build.results.tags[1])',
        },
      ],
    };
    const { results, omitted } = resolve(spec, [build]);
    expect(omitted).toEqual([]);
    expect(results).toEqual([
      { name: 'IMAGE_URL', value: 'registry.example/app' },
      { name: 'tags', value: ['v1', 'latest'] },
      { name: 'first-tag', value: 'v1' },
      { name: 'tag-list', value: ['v1', 'latest', 'extra'] },
      { name: 'artifact-uri', value: 'pkg:npm/app@1.0.0' },
      { name: 'artifact', value: { uri: 'pkg:npm/app@1.0.0', digest: DIGEST_B } },
      {
        name: 'app-ARTIFACT_OUTPUTS',
        value: { uri: 'pkg:npm/app@1.0.0', digest: DIGEST_B, isBuildArtifact: 'true' },
      },
      { name: 'summary', value: `image registry.example/app@${DIGEST_A} tagged latest` },
    ]);
  });

  it("takes a failed producer's written results, as Tekton does, and omits what skipped or failed producers lack", () => {
    const failed = taskRun('pr-test', 'test', {
      succeeded: 'False',
      results: [{ name: 'coverage', value: '80' }],
    });
    const spec: PipelineSpec = {
      tasks: [task('build'), task('scan'), task('test')],
      results: [
        { name: 'report', value: '$(tasks.scan.results.report)' },
        { name: 'coverage', value: '$(tasks.test.results.coverage)' },
        { name: 'lint', value: '$(tasks.test.results.lint)' },
        { name: 'mixed', value: '$(tasks.build.results.IMAGE_URL) $(tasks.scan.results.report)' },
        { name: 'IMAGE_URL', value: '$(tasks.build.results.IMAGE_URL)' },
      ],
    };
    const { results, omitted } = resolve(spec, [build, failed]);
    expect(results).toEqual([
      { name: 'coverage', value: '80' },
      { name: 'IMAGE_URL', value: 'registry.example/app' },
    ]);
    expect(omitted.map((o) => [o.name, o.kind])).toEqual([
      ['report', 'producer-not-successful'],
      ['lint', 'producer-not-successful'],
      ['mixed', 'producer-not-successful'],
    ]);
    expect(omitted[1]?.reason).toContain('test failed');
  });

  it('reports references Tekton rejects: missing result, key or index, and non-task references', () => {
    const spec: PipelineSpec = {
      tasks: [task('build')],
      results: [
        { name: 'missing', value: '$(tasks.build.results.nope)' },
        { name: 'no-key', value: '$(tasks.build.results.artifact.nokey)' },
        { name: 'no-index', value: '$(tasks.build.results.tags[5])' },
        { name: 'param', value: '$(params.x.y.z)' },
        { name: 'literal', value: 'v1.0' },
      ],
    };
    const { results, omitted } = resolve(spec, [build]);
    // A result without any reference is not a run result (Tekton skips it as well).
    expect(results).toEqual([]);
    expect(omitted.map((o) => [o.name, o.kind])).toEqual([
      ['missing', 'invalid'],
      ['no-key', 'invalid'],
      ['no-index', 'invalid'],
      ['param', 'invalid'],
    ]);
  });

  it('gives a matrixed task string results as arrays, one item per TaskRun, in order', () => {
    const runs = [DIGEST_A, DIGEST_B].map((digest, i) =>
      taskRun(`pr-build-${i}`, 'build', { results: [{ name: 'IMAGE_DIGEST', value: digest }] }),
    );
    const spec: PipelineSpec = {
      tasks: [task('build', { matrix: { params: [{ name: 'platform', value: ['amd64', 'arm64'] }] } })],
      results: [{ name: 'digests', type: 'array', value: '$(tasks.build.results.IMAGE_DIGEST[*])' }],
    };
    expect(resolve(spec, runs).results).toEqual([{ name: 'digests', value: [DIGEST_A, DIGEST_B] }]);
    // One matrix TaskRun still running: the task has not succeeded, so the result is omitted.
    const running = [
      runs[0] as TaskRun,
      taskRun('pr-build-1', 'build', { succeeded: 'Unknown', completionTime: null }),
    ];
    expect(resolve(spec, running).omitted.map((o) => o.kind)).toEqual(['producer-not-successful']);
  });

  it('reads finally task results and custom run results', () => {
    const notify = taskRun('pr-notify', 'notify', { results: [{ name: 'id', value: 'msg-1' }] });
    const spec: PipelineSpec = {
      tasks: [task('approve')],
      finally: [task('notify')],
      results: [
        { name: 'message', value: '$(finally.notify.results.id)' },
        { name: 'approval', value: '$(tasks.approve.results.by)' },
      ],
    };
    const custom = {
      metadata: { name: 'pr-approve', labels: { 'tekton.dev/pipelineTask': 'approve' } },
      spec: {},
      status: {
        conditions: [{ type: 'Succeeded', status: 'True' }],
        results: [{ name: 'by', value: 'alice' }],
      },
    };
    const { results } = resolvePipelineResults(spec, {
      taskRunsByTask: groupByPipelineTask([notify]),
      customRunsByTask: groupByPipelineTask([custom]),
    });
    expect(results).toEqual([
      { name: 'message', value: 'msg-1' },
      { name: 'approval', value: 'alice' },
    ]);
  });
});
