// The tekton backend's annotation keys and size measure.
import { describe, expect, it } from 'vitest';
import { annotationsSize, chainsAnnotationKeys } from '../../src/storage/tekton.js';

describe('tekton storage keys and size', () => {
  it("uses Chains' keys and counts bytes of keys and values, as the API server does", () => {
    expect(chainsAnnotationKeys('PipelineRun', 'abc')).toEqual({
      payload: 'chains.tekton.dev/payload-pipelinerun-abc',
      signature: 'chains.tekton.dev/signature-pipelinerun-abc',
      cert: 'chains.tekton.dev/cert-pipelinerun-abc',
      chain: 'chains.tekton.dev/chain-pipelinerun-abc',
    });
    expect(chainsAnnotationKeys('TaskRun', 'abc')).toEqual({
      payload: 'chains.tekton.dev/payload-taskrun-abc',
      signature: 'chains.tekton.dev/signature-taskrun-abc',
      cert: 'chains.tekton.dev/cert-taskrun-abc',
      chain: 'chains.tekton.dev/chain-taskrun-abc',
    });
    expect(annotationsSize({ ab: 'cd', é: 'x' })).toBe(7);
  });
});
