// verify --policy: the run's tasks read from each provenance format, and every rule's verdict on them.
import { describe, expect, it } from 'vitest';
import { type Policy, parsePolicy } from '../../src/config/policy.js';
import { BUILD_TYPE_SLSA_TEKTON, type Statement } from '../../src/provenance/statement.js';
import { evaluatePolicy, type RunVerdict } from '../../src/verify/policy.js';
import { attestedRun } from '../../src/verify/run-tasks.js';
import {
  BUILDAH_BUNDLE,
  BUILDAH_DIGEST,
  BUILT_IMAGE,
  builtStatement,
  CATALOG,
  CATALOG_COMMIT,
  GIT_CLONE_PATH,
  TEP_0084,
  tepWithInjectMiner,
} from './policy-runs.js';

const TRIVY = 'gcr.io/tekton-releases/catalog/upstream/trivy-scanner';
const TRIVY_DIGEST = 'sha256:e4c2916f25ce2d42ec7016c3dc3392e527442c307f43aae3ea63f4622ee5cfe4';

function policy(document: Record<string, unknown>): Policy {
  return parsePolicy(document, 'policy.yaml');
}

function evaluate(document: Record<string, unknown>, statement: Statement): RunVerdict {
  const run = attestedRun(statement);
  if (!run) throw new Error(`${statement.predicateType} is not provenance`);
  return evaluatePolicy(policy(document), run);
}

const rules = (verdict: RunVerdict) => verdict.violations.map((v) => `${v.rule} ${v.task ?? '-'}`);

/** The TEP-0084 run's vetted tasks: trivy-scanner from its bundle, git-clone and buildah from the cluster. */
const VETTED = {
  trustedTasks: [{ bundle: TRIVY }, { task: 'git-clone' }, { task: 'buildah' }],
  requiredTasks: ['git-clone', 'buildah'],
  forbiddenTasks: ['inject-miner'],
  builderIds: ['https://tekton.dev/chains/v2'],
};

describe('TEP-0084: a non-vetted task in the run is obvious', () => {
  it('allows the example run, whose tasks are all vetted', () => {
    const verdict = evaluate(VETTED, TEP_0084);
    expect(verdict.violations).toEqual([]);
    expect(verdict.allow).toBe(true);
    expect(verdict.run.tasks.map((t) => t.name)).toEqual([
      'git-clone',
      'source-security-scan',
      'image-build',
      'image-security-scan',
    ]);
    expect(verdict.trustedBy).toEqual([
      `task git-clone`,
      `bundle ${TRIVY}`,
      'task buildah',
      `bundle ${TRIVY}`,
    ]);
    expect(verdict.run.tasks[2]?.images).toEqual([
      'registry.example.com/minimal-container/min@sha256:52af519cd2cb835e77f971ab303a8ae1c3b9b04fe2aa604d1c50d8d73f110304',
    ]);
  });

  it('denies the run with inject-miner, naming it under trustedTasks and forbiddenTasks', () => {
    const verdict = evaluate(VETTED, tepWithInjectMiner());
    expect(verdict.allow).toBe(false);
    expect(rules(verdict)).toEqual(['trustedTasks inject-miner', 'forbiddenTasks inject-miner']);
    expect(verdict.violations[0]?.message).toBe('cluster task inject-miner matches no trustedTasks entry');
    // trustedTasks alone catches it, without anyone having to know its name in advance.
    expect(rules(evaluate({ trustedTasks: VETTED.trustedTasks }, tepWithInjectMiner()))).toEqual([
      'trustedTasks inject-miner',
    ]);
  });

  it('denies a bundle that is not pinned when the policy lists digests, and one at an unlisted digest', () => {
    const pinned = {
      ...VETTED,
      trustedTasks: [{ bundle: TRIVY, digests: [TRIVY_DIGEST] }, { task: 'git-clone' }, { task: 'buildah' }],
    };
    const verdict = evaluate(pinned, TEP_0084);
    expect(rules(verdict)).toEqual(['trustedTasks source-security-scan']);
    expect(verdict.violations[0]?.message).toBe(
      `trivy-scanner from bundle ${TRIVY} (no digest) is not pinned: ${TRIVY} is trusted only at its listed digests`,
    );
    expect(verdict.trustedBy[3]).toBe(`bundle ${TRIVY}@${TRIVY_DIGEST}`);
    const other = { ...pinned, trustedTasks: [{ bundle: TRIVY, digests: [`sha256:${'0'.repeat(64)}`] }] };
    expect(
      evaluate(other, TEP_0084).violations.find((v) => v.task === 'image-security-scan')?.message,
    ).toMatch(/has a digest not listed for/);
  });

  it('denies a run without a required task, and a run from another builder', () => {
    expect(rules(evaluate({ requiredTasks: ['git-clone', 'sast-scan'] }, TEP_0084))).toEqual([
      'requiredTasks -',
    ]);
    expect(evaluate({ requiredTasks: ['sast-scan'] }, TEP_0084).violations[0]?.message).toBe(
      'no task of the run is sast-scan',
    );
    const wrongBuilder = evaluate({ builderIds: ['https://builder.example/trusted'] }, TEP_0084);
    expect(wrongBuilder.allow).toBe(false);
    expect(wrongBuilder.violations).toEqual([
      {
        rule: 'builderIds',
        task: undefined,
        message: 'builder.id https://tekton.dev/chains/v2 is not one of https://builder.example/trusted',
      },
    ]);
  });
});

/** The project's own run (git-clone from git, buildah from a bundle, inject-miner from the cluster). */
const OURS = {
  trustedTasks: [
    { git: CATALOG, path: GIT_CLONE_PATH, commits: [CATALOG_COMMIT] },
    { bundle: BUILDAH_BUNDLE, digests: [BUILDAH_DIGEST] },
  ],
  requiredTasks: ['git-clone', 'buildah'],
  forbiddenTasks: ['inject-miner'],
};

describe.each([
  ['SLSA v0.2', { format: 'slsa/v1' }, ['fetch']],
  ['SLSA v1.0 slsa-tekton', { format: 'slsa/v2alpha4', 'build-type': BUILD_TYPE_SLSA_TEKTON }, []],
])('%s, as attest writes it', (_name, format, buildAfter) => {
  const statement = builtStatement(format);

  it('reads each task with its reference, in start order, and the image it built', () => {
    const run = attestedRun(statement);
    expect(run?.complete).toBe(true);
    expect(run?.tasks.map((t) => [t.name, t.reference.kind, t.reference.name])).toEqual([
      ['fetch', 'git', 'git-clone'],
      ['miner', 'cluster', 'inject-miner'],
      ['build', 'bundle', 'buildah'],
    ]);
    expect(run?.tasks[2]?.reference).toMatchObject({ repository: BUILDAH_BUNDLE, digest: BUILDAH_DIGEST });
    expect(run?.tasks[0]?.reference).toMatchObject({ path: GIT_CLONE_PATH, commit: CATALOG_COMMIT });
    expect(run?.tasks[2]?.images).toEqual([BUILT_IMAGE]);
    expect(run?.tasks[2]?.after).toEqual(buildAfter);
  });

  it('denies the cluster task inject-miner and allows the rest', () => {
    const verdict = evaluate(OURS, statement);
    expect(rules(verdict)).toEqual(['trustedTasks miner', 'forbiddenTasks miner']);
    expect(verdict.trustedBy).toEqual([
      `git ${CATALOG}@${CATALOG_COMMIT}`,
      undefined,
      `bundle ${BUILDAH_BUNDLE}@${BUILDAH_DIGEST}`,
    ]);
  });

  it('denies git-clone from another path or commit', () => {
    const elsewhere = { trustedTasks: [{ git: CATALOG, path: 'task/other.yaml' }] };
    expect(evaluate(elsewhere, statement).violations[0]?.message).toMatch(
      /is not at the trusted path task\/other\.yaml$/,
    );
    const oldCommit = { trustedTasks: [{ git: `${CATALOG.replace('.git', '')}/`, commits: ['0123456'] }] };
    expect(evaluate(oldCommit, statement).violations[0]?.message).toMatch(
      new RegExp(`is at commit ${CATALOG_COMMIT}, not a trusted one$`),
    );
  });
});

describe('SLSA v1.0 with the chains/v2/slsa build type', () => {
  const statement = builtStatement({ format: 'slsa/v2alpha4' });

  it('lists only the remotely resolved tasks, so task rules cannot be proven and deny', () => {
    const run = attestedRun(statement);
    expect(run?.complete).toBe(false);
    expect(run?.tasks.map((t) => t.reference.kind)).toEqual(['git', 'bundle']);
    const verdict = evaluate(OURS, statement);
    expect(verdict.allow).toBe(false);
    expect(verdict.violations[0]?.rule).toBe('provenance');
    expect(verdict.violations[0]?.message).toMatch(/cannot be proven/);
  });

  it('still decides builderIds, the one rule it records enough for', () => {
    expect(evaluate({ builderIds: ['https://tekton.dev/chains/v2'] }, statement).allow).toBe(true);
    expect(rules(evaluate({ builderIds: ['other'] }, statement))).toEqual(['builderIds -']);
  });
});

it('reads no run from a statement that is not SLSA provenance', () => {
  expect(attestedRun({ predicateType: 'https://cosign.sigstore.dev/attestation/v1', predicate: {} })).toBe(
    undefined,
  );
});

it('names a task of another resolver by its name param, and trusts it through no entry', () => {
  const statement = structuredClone(TEP_0084) as Statement & {
    predicate: { buildConfig: { tasks: { ref: Record<string, unknown> }[] } };
  };
  const first = statement.predicate.buildConfig.tasks[0];
  if (first) first.ref = { resolver: 'hub', params: [{ name: 'name', value: 'git-clone' }] };
  const verdict = evaluate(
    { trustedTasks: [{ task: 'git-clone' }], requiredTasks: ['git-clone'] },
    statement,
  );
  expect(verdict.run.tasks[0]?.reference).toEqual({
    kind: 'other',
    name: 'git-clone',
    description: 'resolver hub',
  });
  expect(verdict.violations.filter((v) => v.task === 'git-clone')).toEqual([
    {
      rule: 'trustedTasks',
      task: 'git-clone',
      message: 'git-clone from resolver hub matches no trustedTasks entry',
    },
  ]);
  expect(verdict.violations.some((v) => v.rule === 'requiredTasks')).toBe(false);
});
