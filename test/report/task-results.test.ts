// Task results under Tekton's size limits.
import { describe, expect, it } from 'vitest';
import { attestationDigest, taskResults } from '../../src/report/task-results.js';

describe('Task results', () => {
  const subject = (i: number) => ({
    name: `registry.example.com/team/app-${i}`,
    digest: { sha256: 'a'.repeat(64) },
  });

  it('digest of the envelope bytes, subjects and storage as JSON', () => {
    const results = taskResults({
      signedBytes: '{"payloadType":"x"}',
      subjects: [subject(1)],
      outcomes: [{ backend: 'tekton', ok: true, locations: ['PipelineRun ci/x annotations'] }],
      foreignStatus: [],
    });
    expect(results.ATTESTATION_DIGEST).toBe(attestationDigest('{"payloadType":"x"}'));
    expect(JSON.parse(results.SUBJECTS!)).toEqual([subject(1)]);
    expect(JSON.parse(results.STORAGE!)).toEqual([
      { backend: 'tekton', ok: true, locations: ['PipelineRun ci/x annotations'] },
    ]);
    expect(results.FOREIGN_STATUS).toBe('[]');
  });

  it('FOREIGN_STATUS lists the status writes attested anyway', () => {
    const results = taskResults({
      signedBytes: '{}',
      subjects: [],
      outcomes: [],
      foreignStatus: [
        {
          kind: 'TaskRun',
          name: 'build-x',
          field: 'status.results',
          manager: 'forger',
          time: '2026-12-03T10:00:00Z',
        },
      ],
    });
    expect(JSON.parse(results.FOREIGN_STATUS!)).toEqual([
      { kind: 'TaskRun', name: 'build-x', field: 'status.results', manager: 'forger' },
    ]);
  });

  it('stays within the termination-message budget however many subjects and locations there are', () => {
    const subjects = Array.from({ length: 100 }, (_, i) => subject(i));
    const results = taskResults({
      signedBytes: '{}',
      subjects,
      outcomes: [
        {
          backend: 'oci',
          ok: true,
          locations: subjects.map((s) => `${s.name}:sha256-${'a'.repeat(64)}.att`),
        },
        { backend: 'tekton', ok: false, locations: [], detail: 'forbidden' },
      ],
      foreignStatus: Array.from({ length: 50 }, (_, i) => ({
        kind: 'TaskRun' as const,
        name: `build-${i}`,
        field: 'status.results',
        manager: 'kubectl-patch',
        time: undefined,
      })),
    });
    const total = Object.values(results).reduce((sum, v) => sum + Buffer.byteLength(v), 0);
    expect(total).toBeLessThan(3_300);
    const foreign = JSON.parse(results.FOREIGN_STATUS!) as unknown[];
    expect(foreign.length).toBeGreaterThan(0);
    expect(foreign.length).toBeLessThan(50);
    const kept = JSON.parse(results.SUBJECTS!) as unknown[];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(subjects.slice(0, kept.length));
    const storage = JSON.parse(results.STORAGE!) as { backend: string; ok: boolean }[];
    expect(storage.map((s) => [s.backend, s.ok])).toEqual([
      ['oci', true],
      ['tekton', false],
    ]);
  });

  it('TaskRun-level entries name their TaskRun; beyond the budget the successful ones go first, the PipelineRun backends and failures stay', () => {
    const taskRuns = Array.from({ length: 60 }, (_, i) => ({
      backend: 'tekton' as const,
      run: `TaskRun app-build-task-${i}`,
      ok: i !== 42,
      locations: [`TaskRun ci/app-build-task-${i} annotations`],
    }));
    const results = taskResults({
      signedBytes: Buffer.from('status'),
      subjects: [],
      outcomes: [{ backend: 'tekton', ok: true, locations: ['PipelineRun ci/x annotations'] }, ...taskRuns],
      foreignStatus: [],
    });
    expect(results.ATTESTATION_DIGEST).toBe(attestationDigest('status'));
    expect(Buffer.byteLength(results.STORAGE!)).toBeLessThanOrEqual(1_200);
    const storage = JSON.parse(results.STORAGE!) as { backend: string; run?: string; ok: boolean }[];
    expect(storage[0]).toEqual({ backend: 'tekton', ok: true, locations: [] });
    expect(storage).toContainEqual({
      backend: 'tekton',
      run: 'TaskRun app-build-task-42',
      ok: false,
      locations: [],
    });
    expect(storage.length).toBeGreaterThan(2);
    expect(storage.length).toBeLessThan(61);
    expect(storage.slice(1, -1).every((s) => s.run !== undefined)).toBe(true);
  });
});
