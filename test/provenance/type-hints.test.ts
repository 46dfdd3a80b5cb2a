import { describe, expect, it } from 'vitest';
import { parseFormatOptions } from '../../src/config/format.js';
import { buildStatement, type ResultSource } from '../../src/provenance/index.js';
import { buildSnapshot } from '../../src/tekton/build-snapshot.js';
import type { ResultValue } from '../../src/tekton/types.js';
import { DIGEST_A, DIGEST_B, DIGEST_C, pipelineRun, task, taskRun } from '../tekton/make-run.js';

const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);

/** The subjects and warnings of a completed run whose pipeline results are `results`. */
function subjectsFor(results: ResultValue[], format = 'slsa/v1') {
  const warnings: string[] = [];
  const run = pipelineRun({
    tasks: [task('build')],
    statusResults: results,
    completionTime: '2026-01-02T10:05:00Z',
  });
  const snapshot = buildSnapshot({ pipelineRun: run, taskRuns: [taskRun('build-pr-build', 'build')] });
  const statement = buildStatement(snapshot, parseFormatOptions({ format }), {
    warn: (message: string, source?: ResultSource) =>
      warnings.push(`${source?.kind} ${source?.name}: ${message}`),
  });
  return { subjects: statement.subject, warnings };
}

describe('type hints -> subjects', () => {
  it('pairs *IMAGE_URL/*IMAGE_DIGEST by prefix, trims values, normalizes the repository and drops the tag', () => {
    const { subjects, warnings } = subjectsFor([
      { name: 'IMAGE_URL', value: ' app:1.0\n' },
      { name: 'IMAGE_DIGEST', value: `${DIGEST_A}\n` },
      { name: 'sidecar-IMAGE_URL', value: 'docker.io/org/sidecar' },
      { name: 'sidecar-IMAGE_DIGEST', value: DIGEST_B },
      { name: 'localhost-IMAGE_URL', value: 'localhost:5000/team/tool:dev' },
      { name: 'localhost-IMAGE_DIGEST', value: DIGEST_C },
    ]);
    expect(warnings).toEqual([]);
    expect(subjects).toEqual([
      { name: 'index.docker.io/library/app', digest: { sha256: HEX_A } },
      { name: 'index.docker.io/org/sidecar', digest: { sha256: HEX_B } },
      { name: 'localhost:5000/team/tool', digest: { sha256: 'c'.repeat(64) } },
    ]);
  });

  it('reads IMAGES split on commas and newlines', () => {
    const { subjects } = subjectsFor([
      { name: 'IMAGES', value: `gcr.io/a/one@${DIGEST_A},\n gcr.io/a/two:tag@${DIGEST_B}\n` },
    ]);
    expect(subjects.map((s) => s.name)).toEqual(['gcr.io/a/one', 'gcr.io/a/two']);
  });

  it('skips, with a warning naming the result but never echoing the value, every invalid digest or reference', () => {
    const { subjects, warnings } = subjectsFor([
      { name: 'IMAGE_URL', value: 'registry.example/app' },
      { name: 'IMAGE_DIGEST', value: 'sha256:1234' },
      { name: 'other-IMAGE_URL', value: 'registry.example/other' },
      { name: 'other-IMAGE_DIGEST', value: `sha512:${'d'.repeat(128)}` },
      { name: 'IMAGES', value: 'registry.example/tagged:1.0' },
      { name: 'lonely-IMAGE_URL', value: 'registry.example/lonely' },
      { name: 'bin-ARTIFACT_URI', value: 'https://files.example/bin' },
      { name: 'bin-ARTIFACT_DIGEST', value: 'md5:abc' },
      { name: 'pkg-ARTIFACT_OUTPUTS', value: { uri: 'pkg:npm/x@1', digest: `sha256:${'A'.repeat(64)}` } },
      { name: 'UPPER-IMAGE_URL', value: 'Registry.example/App' },
      { name: 'UPPER-IMAGE_DIGEST', value: DIGEST_A },
    ]);
    expect(subjects).toEqual([]);
    expect(warnings).toHaveLength(7);
    expect(warnings.join('\n')).toContain('PipelineRun build-pr');
    for (const fragment of [
      'results IMAGE_URL + IMAGE_DIGEST: it is not an image reference',
      'results other-IMAGE_URL + other-IMAGE_DIGEST: it is not an image reference',
      'item 1 of result IMAGES: it has no @sha256: digest',
      'lonely-IMAGE_URL',
      'bin-ARTIFACT_URI + bin-ARTIFACT_DIGEST: the digest is not valid: the algorithm is not sha1',
      'pkg-ARTIFACT_OUTPUTS: its digest is not valid',
      'results UPPER-IMAGE_URL + UPPER-IMAGE_DIGEST: it is not an image reference',
    ]) {
      expect(
        warnings.some((w) => w.includes(fragment)),
        fragment,
      ).toBe(true);
    }
    // A build step writes the values: echoed, the logger's masking would tell it which one is a secret.
    for (const value of ['registry.example', 'Registry.example', 'sha256:1234', 'md5', 'pkg:npm']) {
      expect(warnings.join('\n')).not.toContain(value);
    }
  });

  it('skips image names the registry cannot address (., .. and empty path components), naming the result', () => {
    const { subjects, warnings } = subjectsFor([
      { name: 'IMAGE_URL', value: 'registry.example/team/../../api/v4/projects' },
      { name: 'IMAGE_DIGEST', value: DIGEST_A },
      { name: 'IMAGES', value: `registry.example/./app@${DIGEST_B},registry.example/team//app@${DIGEST_C}` },
      { name: 'good-IMAGE_URL', value: 'registry.example/team/app' },
      { name: 'good-IMAGE_DIGEST', value: DIGEST_A },
    ]);
    expect(subjects).toEqual([{ name: 'registry.example/team/app', digest: { sha256: HEX_A } }]);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain(
      'PipelineRun build-pr: skipping image from results IMAGE_URL + IMAGE_DIGEST',
    );
    expect(warnings.slice(1).every((w) => w.includes('of result IMAGES'))).toBe(true);
  });

  it('takes *ARTIFACT_URI pairs and *ARTIFACT_OUTPUTS verbatim, sha1/sha384/sha512 included', () => {
    const sha1 = '1'.repeat(40);
    const sha512 = `sha512:${'e'.repeat(128)}`;
    const { subjects } = subjectsFor([
      { name: 'bin-ARTIFACT_URI', value: 'https://files.example/bin' },
      { name: 'bin-ARTIFACT_DIGEST', value: `sha1:${sha1}` },
      { name: 'jar-ARTIFACT_OUTPUTS', value: { uri: 'pkg:maven/g/a@1', digest: sha512 } },
    ]);
    expect(subjects).toEqual([
      { name: 'https://files.example/bin', digest: { sha1 } },
      { name: 'pkg:maven/g/a@1', digest: { sha512: 'e'.repeat(128) } },
    ]);
  });

  it('v2alpha4 takes only build artifacts (isBuildArtifact "true") and images; OCI artifacts twice like Chains', () => {
    const results: ResultValue[] = [
      { name: 'jar-ARTIFACT_OUTPUTS', value: { uri: 'pkg:maven/g/a@1', digest: DIGEST_A } },
      { name: 'img-ARTIFACT_OUTPUTS', value: { uri: 'app', digest: DIGEST_B, isBuildArtifact: 'true' } },
      { name: 'bin-ARTIFACT_URI', value: 'https://files.example/bin' },
      { name: 'bin-ARTIFACT_DIGEST', value: DIGEST_C },
    ];
    expect(subjectsFor(results, 'slsa/v2alpha4').subjects).toEqual([
      { name: 'app', digest: { sha256: HEX_B } },
      { name: 'index.docker.io/library/app', digest: { sha256: HEX_B } },
    ]);
    expect(subjectsFor(results, 'slsa/v1').subjects.map((s) => s.name)).toEqual([
      'index.docker.io/library/app',
      'https://files.example/bin',
      'pkg:maven/g/a@1',
      'app',
    ]);
  });

  it('merges duplicates that share a name and a digest, keeps same-name different-digest subjects apart', () => {
    const { subjects } = subjectsFor([
      { name: 'IMAGE_URL', value: 'gcr.io/a/app' },
      { name: 'IMAGE_DIGEST', value: DIGEST_A },
      { name: 'IMAGES', value: `gcr.io/a/app@${DIGEST_A}, gcr.io/a/app@${DIGEST_B}` },
      { name: 'x-ARTIFACT_OUTPUTS', value: { uri: 'gcr.io/a/app', digest: `sha512:${'f'.repeat(128)}` } },
    ]);
    expect(subjects).toEqual([
      { name: 'gcr.io/a/app', digest: { sha256: HEX_A } },
      { name: 'gcr.io/a/app', digest: { sha256: HEX_B } },
      { name: 'gcr.io/a/app', digest: { sha512: 'f'.repeat(128) } },
    ]);
  });
});
