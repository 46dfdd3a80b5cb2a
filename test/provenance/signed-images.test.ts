// Which images get signatures (Chains' artifacts.oci): each finished TaskRun's image results, never the
// PipelineRun's own results. chains-oracle-parity.test.ts checks the same against Chains itself.
import { describe, expect, it } from 'vitest';
import { buildStatement } from '../../src/provenance/index.js';
import { imagesToSign } from '../../src/provenance/signed-images.js';
import { BUILD_TYPE_SLSA, DEFAULT_BUILDER_ID } from '../../src/provenance/statement.js';
import { buildSnapshot } from '../../src/tekton/build-snapshot.js';
import { DIGEST_A, DIGEST_B, DIGEST_C, pipelineRun, task, taskRun } from '../tekton/make-run.js';

const HEX = (digest: string) => digest.replace('sha256:', '');

describe('imagesToSign', () => {
  const build = taskRun('build-pr-build', 'build', {
    results: [
      { name: 'IMAGE_URL', value: 'registry.example/team/app:1' },
      { name: 'IMAGE_DIGEST', value: DIGEST_A },
      // An artifact pair Chains puts in the provenance but does not sign as an image.
      { name: 'ARTIFACT_URI', value: 'registry.example/team/chart' },
      { name: 'ARTIFACT_DIGEST', value: DIGEST_B },
    ],
  });
  const docs = taskRun('build-pr-docs', 'docs', {
    results: [
      {
        name: 'IMAGES',
        value: `registry.example/team/docs@${DIGEST_B}\nregistry.example/team/app@${DIGEST_A}`,
      },
    ],
  });
  const running = taskRun('build-pr-scan', 'scan', {
    succeeded: 'Unknown',
    completionTime: null,
    results: [{ name: 'IMAGES', value: `registry.example/team/scanned@${DIGEST_C}` }],
  });
  const snapshot = buildSnapshot({
    pipelineRun: pipelineRun({
      tasks: [task('build'), task('docs'), task('scan')],
      completionTime: '2026-01-02T10:05:00Z',
      // A pipeline result naming an image no TaskRun reported: a subject, not an image Chains signs.
      statusResults: [{ name: 'IMAGES', value: `registry.example/team/elsewhere@${DIGEST_C}` }],
    }),
    taskRuns: [build, docs, running],
    customRuns: [],
  });

  it("signs every finished TaskRun's images once, in TaskRun order; no pipeline result, artifact pair or running TaskRun", () => {
    expect(imagesToSign(snapshot, () => {})).toEqual([
      { name: 'registry.example/team/app', digest: { sha256: HEX(DIGEST_A) } },
      { name: 'registry.example/team/docs', digest: { sha256: HEX(DIGEST_B) } },
    ]);
  });

  it('is not the statement subjects: those come from pipeline results (attest used to sign these)', () => {
    const statement = buildStatement(snapshot, {
      format: 'slsa/v2alpha4',
      builderId: DEFAULT_BUILDER_ID,
      buildType: BUILD_TYPE_SLSA,
      deepInspection: false,
    });
    expect(statement.subject).toEqual([
      { name: 'registry.example/team/elsewhere', digest: { sha256: HEX(DIGEST_C) } },
    ]);
  });

  it('reports a TaskRun image result it cannot read, naming the TaskRun', () => {
    const warnings: string[] = [];
    const broken = taskRun('build-pr-push', 'push', {
      results: [
        { name: 'IMAGE_URL', value: 'registry.example/team/app' },
        { name: 'IMAGE_DIGEST', value: 'sha256:short' },
      ],
    });
    const images = imagesToSign(
      buildSnapshot({
        pipelineRun: pipelineRun({ tasks: [task('push')] }),
        taskRuns: [broken],
        customRuns: [],
      }),
      (message, source) => warnings.push(`${source?.name}: ${message}`),
    );
    expect(images).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^build-pr-push: skipping image from results IMAGE_URL \+ IMAGE_DIGEST/);
  });
});
