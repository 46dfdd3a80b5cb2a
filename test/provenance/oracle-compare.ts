// tekton-attest's side of a comparison with the Chains oracle: raw objects through the path `payload` and
// `attest` use (normalize -> buildSnapshot -> buildStatement -> serializeStatement), parsed back.
import { buildStatement, serializeStatement } from '../../src/provenance/index.js';
import { simpleSigningPayload } from '../../src/provenance/payloads.js';
import { imagesToSign } from '../../src/provenance/signed-images.js';
import {
  BUILD_TYPE_SLSA,
  BUILD_TYPE_SLSA_TEKTON,
  DEFAULT_BUILDER_ID,
  type FormatName,
  type FormatOptions,
} from '../../src/provenance/statement.js';
import { buildTaskRunStatement } from '../../src/provenance/taskrun-statement.js';
import { buildSnapshot } from '../../src/tekton/build-snapshot.js';
import { normalizeCustomRun, normalizePipelineRun, normalizeTaskRun } from '../../src/tekton/normalize.js';
import type { RunSnapshot } from '../../src/tekton/snapshot.js';
import type { OracleConfig } from '../peers/chains-oracle.js';

export type Json = Record<string, unknown>;

export interface OursResult {
  statement: Json;
  /** The exact statement bytes. */
  bytes: Uint8Array;
  warnings: string[];
}

type RawRun = { pipelineRun: unknown; taskRuns: readonly unknown[]; customRuns?: readonly unknown[] };

/** The run as `attest` and `payload` read it: normalized to tekton.dev/v1, then one snapshot. */
export function ourSnapshot(run: RawRun): RunSnapshot {
  return buildSnapshot({
    pipelineRun: normalizePipelineRun(run.pipelineRun as Json),
    taskRuns: run.taskRuns.map((taskRun) => normalizeTaskRun(taskRun as Json)),
    customRuns: (run.customRuns ?? []).map((customRun) => normalizeCustomRun(customRun as Json)),
  });
}

/** The oracle's configuration as tekton-attest's format options (Chains' default builder id). */
function formatOptions(config: OracleConfig): FormatOptions {
  return {
    format: config.format as FormatName,
    builderId: DEFAULT_BUILDER_ID,
    buildType: config.buildType ?? BUILD_TYPE_SLSA,
    deepInspection: config.deepInspection ?? false,
  };
}

const parsed = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Json;

export function ourStatement(run: RawRun, config: OracleConfig): OursResult {
  const warnings: string[] = [];
  const statement = buildStatement(ourSnapshot(run), formatOptions(config), {
    warn: (message) => warnings.push(message),
  });
  const bytes = serializeStatement(statement);
  return { statement: parsed(bytes), bytes, warnings };
}

/** One TaskRun's own statement (what `payload --taskrun` prints and attest signs for it), parsed back. */
export function ourTaskRunStatement(taskRun: unknown, config: OracleConfig): Json {
  const statement = buildTaskRunStatement(normalizeTaskRun(taskRun as Json), formatOptions(config), () => {});
  return parsed(serializeStatement(statement));
}

/** The simplesigning payloads of the image signatures attest writes for the run (as text). */
export function ourImageSignaturePayloads(run: RawRun): string[] {
  return imagesToSign(ourSnapshot(run), () => {}).map((image) =>
    new TextDecoder().decode(
      simpleSigningPayload({ repository: image.name, digest: `sha256:${image.digest.sha256}` }).body,
    ),
  );
}

/** An object's metadata.name. */
export function nameOf(object: unknown): string {
  return ((object as Json).metadata as { name: string }).name;
}

/** The TaskRun configurations Chains' artifacts.taskrun has: slsa/v1, and SLSA v1.0 in both build types. */
export const TASKRUN_CONFIGS: OracleConfig[] = [
  { format: 'slsa/v1' },
  ...['slsa/v2alpha3', 'slsa/v2alpha4'].flatMap((format) =>
    [BUILD_TYPE_SLSA, BUILD_TYPE_SLSA_TEKTON].map((buildType) => ({ format, buildType })),
  ),
];

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** The same items in any order (for lists Chains builds through a Go map). */
export function sameSet(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.map(canonical).sort().join('\n') === b.map(canonical).sort().join('\n');
}

/**
 * Chains' statement with its `subject` list in our order when both hold the same set, unchanged otherwise.
 * Chains pairs `*IMAGE_URL`/`*IMAGE_DIGEST` and `*ARTIFACT_URI`/`*ARTIFACT_DIGEST` results through a Go map
 * (pkg/artifacts/structured.go), so the order of the subjects they make changes from one call to the next.
 */
export function subjectsInOurOrder(theirs: Json, ours: Json): Json {
  const theirSubjects = (theirs.subject ?? []) as unknown[];
  const ourSubjects = (ours.subject ?? []) as unknown[];
  return theirSubjects.length > 0 && sameSet(theirSubjects, ourSubjects)
    ? { ...theirs, subject: ourSubjects }
    : theirs;
}

export function configLabel(config: OracleConfig): string {
  const buildType = config.buildType?.split('/').pop();
  return `${config.format}${buildType ? ` ${buildType}` : ''}${config.deepInspection ? ' deep' : ''}`;
}

/** Where two JSON values first differ (a path and both sides), or undefined when they are equal. */
export function firstDifference(ours: unknown, theirs: unknown, path = ''): string | undefined {
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
      const found = firstDifference(ours[i], theirs[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (
    ours &&
    theirs &&
    typeof ours === 'object' &&
    typeof theirs === 'object' &&
    !Array.isArray(ours) &&
    !Array.isArray(theirs)
  ) {
    for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
      const found = firstDifference((ours as Json)[key], (theirs as Json)[key], `${path}.${key}`);
      if (found) return found;
    }
    return undefined;
  }
  if (JSON.stringify(ours) === JSON.stringify(theirs)) return undefined;
  return `${path || '(root)'}: ours ${JSON.stringify(ours)?.slice(0, 400)} / Chains ${JSON.stringify(theirs)?.slice(0, 400)}`;
}
