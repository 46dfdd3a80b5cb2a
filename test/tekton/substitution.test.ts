import { describe, expect, it } from 'vitest';
import { parseFormatOptions } from '../../src/config/format.js';
import { buildStatement } from '../../src/provenance/index.js';
import { buildSnapshot } from '../../src/tekton/build-snapshot.js';
import { pipelineTaskResultRefs } from '../../src/tekton/result-refs.js';
import { isExactSubstitution, substitutionExpressions } from '../../src/tekton/substitution.js';
import { pipelineRun, task, taskRun } from './make-run.js';

// tektoncd/pipeline's variableSubstitutionFormat: the scanner must find exactly what it finds (on short
// texts, where a backtracking engine is still quick).
const TEKTON_PATTERN = /\$\([_a-zA-Z0-9.-]+(\.[_a-zA-Z0-9.-]+)*(\[([0-9]+|\*)\])?\)/g;

/** `$(` and thousands of `tasks.` segments, never closed: exponential for a backtracking pattern. */
const ADVERSARIAL = `$(${'tasks.'.repeat(5000)}`;

describe('substitutionExpressions (linear-time scanner of Tekton $(...) references)', () => {
  const samples = [
    '$(tasks.build.results.IMAGE_URL)',
    'x $(tasks.a.results.b[*]) y $(tasks.a.results.b[12]) $(finally.f.results.r.key)',
    '$(params.x) $(tasks.a.results.b[]) $(tasks.a.results.b[1*]) $(tasks.a.results.b[*]',
    '$($(tasks.a.results.b)) $() $(a b) $(tasks.a.results.b)[0]) $$(x)',
    '$(tasks.a.results.b[1]x) $(tasks.a.results.b[*][*]) $(-._) $(context.pipelineRun.name)',
  ];

  it.each(samples)('finds what the Tekton pattern finds in %s', (text) => {
    const expected = [...text.matchAll(TEKTON_PATTERN)].map((m) => m[0].slice(2, -1));
    expect(substitutionExpressions(text)).toEqual(expected);
  });

  it('tells a whole-value substitution from one inside a text', () => {
    expect(isExactSubstitution('$(tasks.a.results.b[*])')).toBe(true);
    expect(isExactSubstitution('$(tasks.a.results.b) ')).toBe(false);
    expect(isExactSubstitution('$(tasks.a.results.b[*]')).toBe(false);
    expect(isExactSubstitution(ADVERSARIAL)).toBe(false);
  });

  it('finishes on a long unclosed reference and still finds the references after it', () => {
    expect(substitutionExpressions(`${ADVERSARIAL} $(tasks.a.results.b)`)).toEqual(['tasks.a.results.b']);
    expect(pipelineTaskResultRefs(task('t', { params: [{ name: 'p', value: ADVERSARIAL }] }))).toEqual([]);
  });

  it('builds the statement of a run whose param and pipeline result hold the hostile value', () => {
    const build = taskRun('pr-build', 'build', { results: [{ name: 'msg', value: ADVERSARIAL }] });
    const run = pipelineRun({
      tasks: [task('build', { params: [{ name: 'commit-message', value: ADVERSARIAL }] })],
      results: [
        { name: 'echo', value: '$(tasks.build.results.msg)' },
        { name: 'raw', value: ADVERSARIAL },
      ],
    });
    const snapshot = buildSnapshot({ pipelineRun: run, taskRuns: [build] });
    expect(snapshot.pipelineResults).toEqual([{ name: 'echo', value: ADVERSARIAL }]);
    const statement = buildStatement(snapshot, parseFormatOptions({ format: 'slsa/v1' }), { warn: () => {} });
    const buildConfig = (statement.predicate as { buildConfig: { tasks: { name: string }[] } }).buildConfig;
    expect(buildConfig.tasks.map((t) => t.name)).toEqual(['build']);
  });
});
