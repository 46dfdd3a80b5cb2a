// buildTaskRunStatement on hand-made TaskRuns; chains-oracle-parity.test.ts compares it with Chains itself.
import { describe, expect, it } from 'vitest';
import {
  BUILD_TYPE_SLSA,
  DEFAULT_BUILDER_ID,
  type FormatName,
  type Statement,
} from '../../src/provenance/statement.js';
import { buildTaskRunStatement } from '../../src/provenance/taskrun-statement.js';
import type { TaskRun } from '../../src/tekton/types.js';
import { DIGEST_A, DIGEST_B, taskRun } from '../tekton/make-run.js';

function statementOf(run: TaskRun, format: FormatName, warnings: string[] = []): Statement {
  return buildTaskRunStatement(
    run,
    { format, builderId: DEFAULT_BUILDER_ID, buildType: BUILD_TYPE_SLSA, deepInspection: false },
    (message) => warnings.push(message),
  );
}

const build = taskRun('pr-build', 'build', {
  steps: [
    { name: 'compile', image: `registry.example/go@${DIGEST_A}` },
    { name: 'push', image: 'registry.example/crane:latest' },
  ],
  params: [
    { name: 'CHAINS-GIT_URL', value: 'https://git.example/app' },
    { name: 'CHAINS-GIT_COMMIT', value: 'c'.repeat(40) },
  ],
  results: [
    { name: 'IMAGE_URL', value: 'registry.example/app:1' },
    { name: 'IMAGE_DIGEST', value: DIGEST_B },
    { name: 'summary', value: 'ok' },
  ],
});
// Spec steps listed in another order than the step states: Chains matches them by name.
build.status?.taskSpec?.steps?.reverse();

describe('buildTaskRunStatement', () => {
  it('slsa/v1: a TaskRun build type, its steps matched by name, images and git as materials', () => {
    const warnings: string[] = [];
    const statement = statementOf(build, 'slsa/v1', warnings);
    const predicate = statement.predicate as {
      buildType: string;
      buildConfig: { steps: { entryPoint: string; environment: { container: string } }[] };
      materials: { uri: string }[];
    };
    expect(predicate.buildType).toBe('tekton.dev/v1/TaskRun');
    expect(predicate.buildConfig.steps.map((s) => [s.environment.container, s.entryPoint])).toEqual([
      ['compile', 'echo compile'],
      ['push', 'echo push'],
    ]);
    // The step image without a digest is skipped with a warning (Chains fails the whole statement).
    expect(predicate.materials.map((m) => m.uri)).toEqual([
      'oci://registry.example/go',
      'git+https://git.example/app.git',
    ]);
    expect(warnings.join('\n')).toContain('registry.example/crane:latest');
    expect(statement.subject).toEqual([{ name: 'registry.example/app', digest: { sha256: 'b'.repeat(64) } }]);
  });

  it('slsa/v2alpha4: results that are not subjects become byproducts named after the TaskRun', () => {
    const predicate = statementOf(build, 'slsa/v2alpha4').predicate as {
      runDetails: { byproducts: { name: string }[]; metadata: { invocationId: string } };
    };
    expect(predicate.runDetails.byproducts.map((b) => b.name)).toEqual(['taskRunResults/pr-build/summary']);
    expect(predicate.runDetails.metadata.invocationId).toBe('uid-pr-build');
  });
});
