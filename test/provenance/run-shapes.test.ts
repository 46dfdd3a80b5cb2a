// Runs the Chains fixtures do not cover: retries, matrix, failed and skipped tasks, sidecars, reproducible
// builds, remote pipelines, StepActions, the slsa-tekton build type and deep inspection in SLSA v0.2.
import { describe, expect, it } from 'vitest';
import { parseFormatOptions } from '../../src/config/format.js';
import { buildStatement } from '../../src/provenance/index.js';
import { BUILD_TYPE_SLSA_TEKTON, type Statement } from '../../src/provenance/statement.js';
import { buildSnapshot } from '../../src/tekton/build-snapshot.js';
import type { PipelineRun, TaskRun } from '../../src/tekton/types.js';
import { DIGEST_A, DIGEST_B, DIGEST_C, pipelineRun, task, taskRun } from '../tekton/make-run.js';

const DONE = '2026-01-02T10:05:00Z';

function statementOf(run: PipelineRun, taskRuns: TaskRun[], options: Record<string, unknown>): Statement {
  const warnings: string[] = [];
  const statement = buildStatement(
    buildSnapshot({ pipelineRun: run, taskRuns }),
    parseFormatOptions(options),
    {
      warn: (message) => warnings.push(message),
    },
  );
  return statement;
}

type V02 = {
  buildConfig: { tasks: { name: string; steps?: { environment: { image: string } }[]; status?: string }[] };
  materials: { uri: string; digest: Record<string, string> }[];
  metadata: { reproducible: boolean };
  invocation: { environment?: unknown };
};
type V1 = {
  buildDefinition: {
    externalParameters: Record<string, unknown>;
    internalParameters: Record<string, unknown>;
    resolvedDependencies: {
      name?: string;
      uri?: string;
      digest?: Record<string, string>;
      content?: string;
    }[];
  };
};

describe('statements for real-world run shapes', () => {
  it('a retried TaskRun is attested by its last attempt only (retriesStatus is history)', () => {
    const retried = taskRun('pr-build', 'build', {
      steps: [{ name: 'build', image: `registry.example/builder@${DIGEST_A}` }],
      retries: [
        {
          conditions: [{ type: 'Succeeded', status: 'False' }],
          steps: [{ name: 'build', imageID: `registry.example/old-builder@${DIGEST_B}` }],
        },
      ],
    });
    const run = pipelineRun({ tasks: [task('build', { retries: 2 })], completionTime: DONE });
    const predicate = statementOf(run, [retried], { format: 'slsa/v1' }).predicate as V02;
    expect(predicate.buildConfig.tasks).toHaveLength(1);
    expect(predicate.materials.map((m) => m.uri)).toEqual(['oci://registry.example/builder']);
  });

  it('a matrix task contributes one buildConfig entry and its images per TaskRun', () => {
    const runs = ['amd64', 'arm64'].map((arch, i) =>
      taskRun(`pr-build-${i}`, 'build', {
        steps: [{ name: 'build', image: `registry.example/builder-${arch}@${i ? DIGEST_B : DIGEST_A}` }],
        results: [
          { name: 'IMAGE_URL', value: `registry.example/app-${arch}` },
          { name: 'IMAGE_DIGEST', value: i ? DIGEST_B : DIGEST_A },
        ],
      }),
    );
    const spec = task('build', { matrix: { params: [{ name: 'arch', value: ['amd64', 'arm64'] }] } });
    const run = pipelineRun({
      tasks: [spec],
      completionTime: DONE,
      childReferences: ['pr-build-0', 'pr-build-1'],
    });
    // Listed out of order (as an API list sorted by name can be); childReferences decide the order.
    const statement = statementOf(run, [runs[1] as TaskRun, runs[0] as TaskRun], {
      format: 'slsa/v1',
      'deep-inspection': true,
    });
    const predicate = statement.predicate as V02;
    expect(predicate.buildConfig.tasks.map((t) => t.name)).toEqual(['build', 'build']);
    expect(predicate.materials.map((m) => m.uri)).toEqual([
      'oci://registry.example/builder-amd64',
      'oci://registry.example/builder-arm64',
    ]);
    expect(statement.subject.map((s) => s.name)).toEqual([
      'registry.example/app-amd64',
      'registry.example/app-arm64',
    ]);
  });

  it('a failed task is recorded as Failed; a task skipped by when has no entry and no materials', () => {
    const run = pipelineRun({
      tasks: [task('build'), task('deploy', { when: [{ input: 'a', operator: 'in', values: ['b'] }] })],
      completionTime: DONE,
    });
    const failed = taskRun('pr-build', 'build', { succeeded: 'False' });
    const predicate = statementOf(run, [failed], { format: 'slsa/v1' }).predicate as V02;
    expect(predicate.buildConfig.tasks.map((t) => [t.name, t.status])).toEqual([['build', 'Failed']]);
    expect(predicate.materials.map((m) => m.uri)).toEqual(['oci://registry.example/tools/build']);
  });

  it('records sidecar images after step images, and chains.tekton.dev/reproducible', () => {
    const withSidecar = taskRun('pr-build', 'build', {
      sidecars: [{ name: 'dind', image: `docker-pullable://docker.io/library/docker@${DIGEST_B}` }],
    });
    const run = pipelineRun({
      tasks: [task('build')],
      completionTime: DONE,
      labels: { 'chains.tekton.dev/reproducible': 'true' },
    });
    const predicate = statementOf(run, [withSidecar], { format: 'slsa/v1' }).predicate as V02;
    expect(predicate.metadata.reproducible).toBe(true);
    expect(predicate.materials.map((m) => m.uri)).toEqual([
      'oci://registry.example/tools/build',
      'oci://docker.io/library/docker',
    ]);
    // Labels are recorded; chains.tekton.dev/* annotations are bookkeeping and are not.
    expect(predicate.invocation.environment).toEqual({
      labels: { 'chains.tekton.dev/reproducible': 'true' },
    });
  });

  it('a remote pipeline gets buildConfigSource; slsa-tekton records labels, annotations and the TaskRuns', () => {
    const run = pipelineRun({ tasks: [task('build')], completionTime: DONE, labels: { team: 'a' } });
    run.spec.pipelineRef = { resolver: 'git', params: [{ name: 'url', value: 'https://git.example/p' }] };
    run.status = {
      ...run.status,
      provenance: {
        refSource: {
          uri: 'git+https://git.example/p',
          digest: { sha1: '2'.repeat(40) },
          entryPoint: 'p.yaml',
        },
        featureFlags: { enableAPIFields: 'beta' },
      },
    };
    const build = taskRun('pr-build', 'build');
    const predicate = statementOf(run, [build], {
      format: 'slsa/v2alpha3',
      'build-type': BUILD_TYPE_SLSA_TEKTON,
    }).predicate as V1;
    // Go drops the empty params list and writes taskRunTemplate even when it is set or empty.
    expect(predicate.buildDefinition.externalParameters.runSpec).toEqual({
      pipelineRef: { resolver: 'git', params: [{ name: 'url', value: 'https://git.example/p' }] },
      taskRunTemplate: { serviceAccountName: 'pipeline' },
    });
    expect(predicate.buildDefinition.externalParameters.buildConfigSource).toEqual({
      ref: `sha1:${'2'.repeat(40)}`,
      repository: 'git+https://git.example/p',
      path: 'p.yaml',
    });
    expect(predicate.buildDefinition.internalParameters).toEqual({
      'tekton-pipelines-feature-flags': { enableAPIFields: 'beta' },
      labels: { team: 'a' },
      annotations: null,
    });
    const taskDependency = predicate.buildDefinition.resolvedDependencies.find(
      (d) => d.name === 'pipelineTask',
    );
    const content = JSON.parse(Buffer.from(taskDependency?.content ?? '', 'base64').toString()) as TaskRun;
    expect(content.metadata.name).toBe('pr-build');
  });

  it('records no StepAction sources as dependencies, as Chains v0.28 (only later Chains adds stepAction/<step>)', () => {
    const source = { uri: 'oci://registry.example/actions/git', digest: { sha256: 'c'.repeat(64) } };
    const withActions = taskRun('pr-clone', 'clone', {
      steps: [
        { name: 'clone', image: `registry.example/git@${DIGEST_C}`, refSource: source },
        { name: 'verify', image: `registry.example/git@${DIGEST_C}`, refSource: source },
      ],
    });
    const run = pipelineRun({ tasks: [task('clone')], completionTime: DONE });
    for (const format of ['slsa/v2alpha3', 'slsa/v2alpha4']) {
      const predicate = statementOf(run, [withActions], { format }).predicate as V1;
      expect(predicate.buildDefinition.resolvedDependencies).toEqual([
        { uri: 'oci://registry.example/git', digest: { sha256: 'c'.repeat(64) } },
      ]);
    }
  });

  it('SLSA v0.2 deep inspection adds TaskRun subjects first and each TaskRun git input', () => {
    const commit = '3'.repeat(40);
    const build = taskRun('pr-build', 'build', {
      params: [
        { name: 'CHAINS-GIT_URL', value: 'https://git.example/lib' },
        { name: 'CHAINS-GIT_COMMIT', value: commit },
      ],
      results: [
        { name: 'lib-ARTIFACT_OUTPUTS', value: { uri: 'pkg:npm/lib@1', digest: DIGEST_B } },
        { name: 'base-ARTIFACT_INPUTS', value: { uri: 'registry.example/base', digest: DIGEST_C } },
      ],
    });
    const run = pipelineRun({
      tasks: [task('build')],
      completionTime: DONE,
      statusResults: [
        { name: 'IMAGE_URL', value: 'registry.example/app' },
        { name: 'IMAGE_DIGEST', value: DIGEST_A },
      ],
    });
    const shallow = statementOf(run, [build], { format: 'slsa/v1' });
    const deep = statementOf(run, [build], { format: 'slsa/v1', 'deep-inspection': true });
    expect(shallow.subject.map((s) => s.name)).toEqual(['registry.example/app']);
    expect(deep.subject.map((s) => s.name)).toEqual(['pkg:npm/lib@1', 'registry.example/app']);
    expect((deep.predicate as V02).materials.slice(-2)).toEqual([
      { uri: 'git+https://git.example/lib.git', digest: { sha1: commit } },
      { uri: 'registry.example/base', digest: { sha256: 'c'.repeat(64) } },
    ]);
  });

  it('an image ID without a digest is skipped with a warning instead of failing the statement', () => {
    const local = taskRun('pr-build', 'build', {
      steps: [{ name: 'build', image: 'kind.local/builder:dev' }],
    });
    const run = pipelineRun({ tasks: [task('build')], completionTime: DONE });
    const warnings: string[] = [];
    const statement = buildStatement(
      buildSnapshot({ pipelineRun: run, taskRuns: [local] }),
      parseFormatOptions({ format: 'slsa/v1' }),
      {
        warn: (message) => warnings.push(message),
      },
    );
    expect((statement.predicate as V02).materials).toBeUndefined();
    expect(warnings).toEqual([
      'step build image ID "docker-pullable://kind.local/builder:dev" has no @<alg>:<hex> digest; not recorded',
    ]);
  });

  it('builds a 500-task run with every TaskRun in buildConfig', () => {
    const tasks = Array.from({ length: 500 }, (_, i) => task(`t${i}`, i ? { runAfter: [`t${i - 1}`] } : {}));
    const taskRuns = tasks.map((t, i) =>
      taskRun(`pr-${t.name}`, t.name, {
        steps: [{ name: 's', image: `registry.example/tool-${i % 50}@${DIGEST_C}` }],
        results: [{ name: 'out', value: `${i}` }],
      }),
    );
    const run = pipelineRun({ tasks, completionTime: DONE });
    const predicate = statementOf(run, taskRuns, { format: 'slsa/v1' }).predicate as V02;
    expect(predicate.buildConfig.tasks).toHaveLength(500);
    expect(predicate.materials).toHaveLength(50);
  });
});
