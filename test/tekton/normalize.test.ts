// v1beta1 -> v1 normalization returns its own objects: the caller's (an API response, a parsed file) stay
// as they were, for v1 objects (copied shallowly) and v1beta1 ones (copied deeply, then renamed).
import { describe, expect, it } from 'vitest';
import { normalizePipelineRun, normalizeTaskRun, V1, V1BETA1 } from '../../src/tekton/normalize.js';

describe('normalize', () => {
  it('leaves a v1beta1 TaskRun as it was and renames in its copy', () => {
    const input = {
      apiVersion: V1BETA1,
      kind: 'TaskRun',
      metadata: { name: 'build' },
      status: {
        taskResults: [{ name: 'IMAGE_DIGEST', value: 'sha256:x' }],
        provenance: { configSource: {} },
      },
    };
    const before = structuredClone(input);
    const run = normalizeTaskRun(input);
    expect(input).toEqual(before);
    expect(run.apiVersion).toBe(V1);
    expect(run.status?.results).toEqual([{ name: 'IMAGE_DIGEST', value: 'sha256:x' }]);
    expect((run.status as Record<string, unknown>).taskResults).toBeUndefined();
  });

  it('leaves a v1beta1 PipelineRun as it was and moves its fields in the copy', () => {
    const input = {
      apiVersion: V1BETA1,
      kind: 'PipelineRun',
      metadata: { name: 'pr' },
      spec: { serviceAccountName: 'sa', timeout: '1h', taskRunSpecs: [{ taskServiceAccountName: 'other' }] },
      status: { pipelineResults: [{ name: 'URL', value: 'x' }] },
    };
    const before = structuredClone(input);
    const run = normalizePipelineRun(input);
    expect(input).toEqual(before);
    expect(run.spec.taskRunTemplate?.serviceAccountName).toBe('sa');
    expect(run.status?.results).toEqual([{ name: 'URL', value: 'x' }]);
  });

  it('gives a v1 object without metadata or spec empty ones, in a copy', () => {
    const input: Record<string, unknown> = { apiVersion: V1, kind: 'TaskRun', status: { results: [] } };
    const run = normalizeTaskRun(input);
    expect(run.metadata).toEqual({});
    expect(run.spec).toEqual({});
    expect(input.metadata).toBeUndefined();
    expect(input.spec).toBeUndefined();
    expect(run.status).toBe(input.status);
  });
});
