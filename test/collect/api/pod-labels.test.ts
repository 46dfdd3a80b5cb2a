// The Downward API labels file.
import { describe, expect, it } from 'vitest';
import { parsePodLabels } from '../../../src/collect/api/pod-labels.js';

describe('pod labels file', () => {
  it('parses the Downward API key="value" lines', () => {
    const labels = parsePodLabels(
      'app.kubernetes.io/managed-by="tekton-pipelines"\ntekton.dev/pipelineRun="build-x7k2p"\ntekton.dev/taskRun="build-x7k2p-attest"\n',
      'labels',
    );
    expect(labels['tekton.dev/pipelineRun']).toBe('build-x7k2p');
    expect(labels['tekton.dev/taskRun']).toBe('build-x7k2p-attest');
  });

  it('names the line that is not key="value"', () => {
    expect(() => parsePodLabels('a="b"\nnot a label\n', '/etc/podinfo/labels')).toThrow(
      '/etc/podinfo/labels, line 2: not key="value"',
    );
  });
});
