import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../src/tekton/build-snapshot.js';
import { pipelineRun, task, taskRun } from './make-run.js';

describe('buildSnapshot', () => {
  const tasks = [task('a'), task('b')];
  const a = taskRun('pr-a', 'a', {
    completionTime: '2026-01-02T10:01:00Z',
    results: [{ name: 'x', value: '1' }],
  });
  const b = taskRun('pr-b', 'b', { completionTime: '2026-01-02T10:03:00+02:00' });

  it('uses status.results once Tekton wrote them, and the PipelineRun completionTime', () => {
    const run = pipelineRun({
      tasks,
      results: [{ name: 'x', value: '$(tasks.a.results.x)' }],
      statusResults: [{ name: 'x', value: 'as-written' }],
      completionTime: '2026-01-02T10:09:00Z',
    });
    const snapshot = buildSnapshot({ pipelineRun: run, taskRuns: [a, b] });
    expect(snapshot.pipelineResults).toEqual([{ name: 'x', value: 'as-written' }]);
    expect(snapshot.finishedOn).toBe('2026-01-02T10:09:00Z');
  });

  it('while running: resolves the results and takes the latest child completion (time zones compared as instants)', () => {
    const run = pipelineRun({ tasks, results: [{ name: 'x', value: '$(tasks.a.results.x)' }] });
    const snapshot = buildSnapshot({ pipelineRun: run, taskRuns: [a, b] });
    expect(snapshot.pipelineResults).toEqual([{ name: 'x', value: '1' }]);
    // 10:03+02:00 is 08:03Z, earlier than a's 10:01Z.
    expect(snapshot.finishedOn).toBe('2026-01-02T10:01:00Z');
  });

  it('orders TaskRuns as childReferences list them, drops excluded ones and reports unfinished ones', () => {
    const running = taskRun('pr-c', 'c', { succeeded: 'Unknown', completionTime: null });
    const self = taskRun('pr-attest', 'attest', { succeeded: 'Unknown', completionTime: null });
    const run = pipelineRun({ tasks, childReferences: ['pr-b', 'pr-a', 'pr-attest'] });
    const snapshot = buildSnapshot({
      pipelineRun: run,
      taskRuns: [running, a, self, b],
      exclude: ['pr-attest'],
    });
    expect(snapshot.taskRuns.map((r) => r.metadata.name)).toEqual(['pr-b', 'pr-a', 'pr-c']);
    expect(snapshot.unfinished).toEqual(['pr-c']);
  });
});
