// The pure parts of attest: Retry-After and the retry policy, the Downward API labels file, the Chains config loader, the
// annotation size measure, and Task results under Tekton's size limits.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePodLabels } from '../../src/collect/pod-labels.js';
import { loadChainsConfig } from '../../src/config/config.js';
import { AttestError } from '../../src/errors.js';
import { backoff, parseRetryAfter, retryDelay } from '../../src/http/retry.js';
import { serviceAccountOfToken } from '../../src/kube/config.js';
import { attestationDigest, taskResults } from '../../src/report/task-results.js';
import { annotationsSize, chainsAnnotationKeys } from '../../src/storage/tekton.js';

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2024-05-01T10:00:00Z');
    expect(parseRetryAfter('Wed, 01 May 2024 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('waits what the server asks within the policy, gives up beyond it or when the attempts are used up', () => {
    const policy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 300, maxRetryAfterMs: 60_000 };
    expect(retryDelay(policy, 1, '2')).toBe(2000);
    expect(retryDelay(policy, 1, '61')).toBeUndefined();
    expect(retryDelay(policy, 3, '1')).toBeUndefined();
    // Without Retry-After: exponential backoff, half of it random, capped.
    for (let i = 0; i < 20; i++) {
      expect(backoff(policy, 1)).toBeGreaterThanOrEqual(50);
      expect(backoff(policy, 1)).toBeLessThanOrEqual(100);
      expect(backoff(policy, 5)).toBeGreaterThanOrEqual(150);
      expect(backoff(policy, 5)).toBeLessThanOrEqual(300);
    }
  });
});

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

describe('service account of a token', () => {
  it('reads sub from the JWT claims, and nothing from a token that is not a JWT', () => {
    const claims = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:ci:pipeline' })).toString(
      'base64url',
    );
    expect(serviceAccountOfToken(`h.${claims}.s`)).toEqual({ namespace: 'ci', name: 'pipeline' });
    expect(serviceAccountOfToken('opaque-token')).toBeUndefined();
  });
});

describe('--chains-config', () => {
  it('reads a ConfigMap manifest, a flat map, key=value lines and a mounted directory alike', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chains-config-'));
    const expected = { 'artifacts.pipelinerun.format': 'slsa/v1', 'transparency.enabled': 'true' };
    await writeFile(
      join(dir, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: chains-config}\ndata:\n  artifacts.pipelinerun.format: slsa/v1\n  transparency.enabled: "true"\n',
    );
    await writeFile(
      join(dir, 'flat.yaml'),
      'artifacts.pipelinerun.format: slsa/v1\ntransparency.enabled: true\n',
    );
    await writeFile(
      join(dir, 'lines'),
      '# comment\nartifacts.pipelinerun.format=slsa/v1\ntransparency.enabled = true\n',
    );
    const mounted = join(dir, 'mounted');
    await mkdir(join(mounted, '..2024_05_01'), { recursive: true });
    await writeFile(join(mounted, 'artifacts.pipelinerun.format'), 'slsa/v1\n');
    await writeFile(join(mounted, 'transparency.enabled'), 'true');
    for (const source of ['cm.yaml', 'flat.yaml', 'lines', 'mounted']) {
      expect(await loadChainsConfig(join(dir, source))).toEqual(expected);
    }
  });

  it('a file that is none of these', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chains-config-'));
    await writeFile(join(dir, 'bad'), 'artifacts.pipelinerun.format\n');
    await expect(loadChainsConfig(join(dir, 'bad'))).rejects.toThrow('line 1: not key=value');
    await expect(loadChainsConfig(join(dir, 'missing'))).rejects.toBeInstanceOf(AttestError);
  });
});

describe('tekton storage keys and size', () => {
  it("uses Chains' keys and counts bytes of keys and values, as the API server does", () => {
    expect(chainsAnnotationKeys('abc')).toEqual({
      payload: 'chains.tekton.dev/payload-pipelinerun-abc',
      signature: 'chains.tekton.dev/signature-pipelinerun-abc',
      cert: 'chains.tekton.dev/cert-pipelinerun-abc',
      chain: 'chains.tekton.dev/chain-pipelinerun-abc',
    });
    expect(annotationsSize({ ab: 'cd', é: 'x' })).toBe(7);
  });
});

describe('Task results', () => {
  const subject = (i: number) => ({
    name: `registry.example.com/team/app-${i}`,
    digest: { sha256: 'a'.repeat(64) },
  });

  it('digest of the envelope bytes, subjects and storage as JSON', () => {
    const results = taskResults({
      envelopeJson: '{"payloadType":"x"}',
      subjects: [subject(1)],
      outcomes: [{ backend: 'tekton', ok: true, locations: ['PipelineRun ci/x annotations'] }],
    });
    expect(results.ATTESTATION_DIGEST).toBe(attestationDigest('{"payloadType":"x"}'));
    expect(JSON.parse(results.SUBJECTS!)).toEqual([subject(1)]);
    expect(JSON.parse(results.STORAGE!)).toEqual([
      { backend: 'tekton', ok: true, locations: ['PipelineRun ci/x annotations'] },
    ]);
  });

  it('stays within the termination-message budget however many subjects and locations there are', () => {
    const subjects = Array.from({ length: 100 }, (_, i) => subject(i));
    const results = taskResults({
      envelopeJson: '{}',
      subjects,
      outcomes: [
        {
          backend: 'oci',
          ok: true,
          locations: subjects.map((s) => `${s.name}:sha256-${'a'.repeat(64)}.att`),
        },
        { backend: 'tekton', ok: false, locations: [], detail: 'forbidden' },
      ],
    });
    const total = Object.values(results).reduce((sum, v) => sum + Buffer.byteLength(v), 0);
    expect(total).toBeLessThan(3_200);
    const kept = JSON.parse(results.SUBJECTS!) as unknown[];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(subjects.slice(0, kept.length));
    const storage = JSON.parse(results.STORAGE!) as { backend: string; ok: boolean }[];
    expect(storage.map((s) => [s.backend, s.ok])).toEqual([
      ['oci', true],
      ['tekton', false],
    ]);
  });
});
