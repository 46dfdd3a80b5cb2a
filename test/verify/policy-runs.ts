// Attested runs for the policy tests: the TEP-0084 example attestation, and one PipelineRun (a git-resolved
// task, a bundle-resolved task, a Task from the cluster) rendered by the project's own provenance builder in
// SLSA v0.2 and in SLSA v1.0 with both build types, so the reader is checked against what attest writes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFormatOptions } from '../../src/config/format.js';
import { buildStatement } from '../../src/provenance/index.js';
import type { Statement } from '../../src/provenance/statement.js';
import { buildSnapshot } from '../../src/tekton/build-snapshot.js';
import type { PipelineTask, TaskRef, TaskRun } from '../../src/tekton/types.js';
import { FIXTURES_DIR } from '../harness/fixtures.js';
import { DIGEST_A, DIGEST_B, pipelineRun, taskRun } from '../tekton/make-run.js';

export const TEP_0084 = JSON.parse(
  readFileSync(join(FIXTURES_DIR, 'tep-0084', 'example-attestation.json'), 'utf8'),
) as Statement;

/** The TEP-0084 example with one more task: a Task from the cluster nobody vetted. */
export function tepWithInjectMiner(): Statement {
  const statement = structuredClone(TEP_0084) as Statement & {
    predicate: { buildConfig: { tasks: Record<string, unknown>[] } };
  };
  statement.predicate.buildConfig.tasks.splice(1, 0, {
    name: 'inject-miner',
    after: ['git-clone'],
    ref: { name: 'inject-miner', kind: 'Task' },
    startedOn: '2022-07-06T17:17:21Z',
    finishedOn: '2022-07-06T17:17:22Z',
    status: 'Succeeded',
  });
  return statement;
}

export const CATALOG = 'https://github.com/tektoncd/catalog.git';
export const CATALOG_COMMIT = 'a5bdfa264ac87bb2bec104ef9ddf2207b5b210c9';
export const GIT_CLONE_PATH = 'task/git-clone/0.9/git-clone.yaml';
export const BUILDAH_BUNDLE = 'registry.example/catalog/buildah';
export const BUILDAH_DIGEST = DIGEST_A;
export const BUILT_IMAGE = `registry.example/app@${DIGEST_B}`;

const gitRef: TaskRef = {
  resolver: 'git',
  params: [
    { name: 'url', value: CATALOG },
    { name: 'revision', value: CATALOG_COMMIT },
    { name: 'pathInRepo', value: GIT_CLONE_PATH },
  ],
};
const bundleRef: TaskRef = {
  resolver: 'bundles',
  params: [
    { name: 'bundle', value: `${BUILDAH_BUNDLE}:0.9` },
    { name: 'name', value: 'buildah' },
    { name: 'kind', value: 'task' },
  ],
};
const clusterRef: TaskRef = { name: 'inject-miner', kind: 'Task' };

function withRef(run: TaskRun, ref: TaskRef): TaskRun {
  return { ...run, spec: { ...run.spec, taskRef: ref } };
}

/** fetch (git) -> build (bundle, builds the image) and miner (cluster), in that order of start. */
export function builtStatement(options: Record<string, unknown>): Statement {
  const tasks: PipelineTask[] = [
    { name: 'fetch', taskRef: gitRef },
    { name: 'build', taskRef: bundleRef, runAfter: ['fetch'] },
    { name: 'miner', taskRef: clusterRef, runAfter: ['fetch'] },
  ];
  const taskRuns = [
    withRef(
      taskRun('build-pr-fetch', 'fetch', {
        startTime: '2026-01-02T10:00:00Z',
        refSource: { uri: `git+${CATALOG}`, digest: { sha1: CATALOG_COMMIT }, entryPoint: GIT_CLONE_PATH },
      }),
      gitRef,
    ),
    withRef(
      taskRun('build-pr-build', 'build', {
        startTime: '2026-01-02T10:02:00Z',
        refSource: {
          uri: `${BUILDAH_BUNDLE}:0.9`,
          digest: { sha256: BUILDAH_DIGEST.slice('sha256:'.length) },
          entryPoint: 'buildah',
        },
        results: [
          { name: 'IMAGE_URL', value: 'registry.example/app:v1' },
          { name: 'IMAGE_DIGEST', value: DIGEST_B },
        ],
      }),
      bundleRef,
    ),
    withRef(taskRun('build-pr-miner', 'miner', { startTime: '2026-01-02T10:01:00Z' }), clusterRef),
  ];
  const run = pipelineRun({
    tasks,
    completionTime: '2026-01-02T10:05:00Z',
    childReferences: taskRuns.map((t) => t.metadata.name ?? ''),
    results: [
      { name: 'IMAGE_URL', value: '$(tasks.build.results.IMAGE_URL)' },
      { name: 'IMAGE_DIGEST', value: '$(tasks.build.results.IMAGE_DIGEST)' },
    ],
    statusResults: [
      { name: 'IMAGE_URL', value: 'registry.example/app:v1' },
      { name: 'IMAGE_DIGEST', value: DIGEST_B },
    ],
  });
  return buildStatement(buildSnapshot({ pipelineRun: run, taskRuns }), parseFormatOptions(options), {
    warn: () => {},
  });
}
