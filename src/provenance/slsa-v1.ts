import type { ObjectMeta, Provenance, RefSource } from '../tekton/types.js';
import { byproducts } from './byproducts.js';
import type { RunContext } from './context.js';
import type { Dependency } from './dedup.js';
import { featureFlagsAsTektonWrites } from './feature-flags.js';
import { goMarshal } from './go-marshal.js';
import { resolvedDependencies } from './resolved-dependencies.js';
import { BUILD_TYPE_SLSA_TEKTON, PREDICATE_SLSA_V1, STATEMENT_V1, type Statement } from './statement.js';
import { buildArtifactOnlySubjects, slsaSubjects } from './subjects.js';
import { PIPELINE_RUN_SPEC, TEKTON_GO_LAYOUT } from './tekton-go-layout.js';
import { rfc3339Utc } from './time.js';

/**
 * `slsa/v2alpha3` and `slsa/v2alpha4`: in-toto Statement v1 with a SLSA Provenance v1.0 predicate, as
 * Chains renders it through protojson (empty strings, lists and maps omitted; internalParameters always an
 * object; byproduct contents base64).
 */
const FEATURE_FLAGS = 'tekton-pipelines-feature-flags';

export function slsaV1Statement(context: RunContext): Statement {
  const { snapshot, options } = context;
  const run = snapshot.pipelineRun;

  const buildDefinition: Record<string, unknown> = {
    buildType: options.buildType,
    externalParameters: externalParameters(context),
    internalParameters: internalParameters(context),
  };
  const dependencies = resolvedDependencies(context).map(compact);
  if (dependencies.length > 0) buildDefinition.resolvedDependencies = dependencies;

  const metadata: Record<string, string> = {};
  if (run.metadata.uid) metadata.invocationId = run.metadata.uid;
  if (run.status?.startTime) metadata.startedOn = rfc3339Utc(run.status.startTime);
  if (snapshot.finishedOn) metadata.finishedOn = rfc3339Utc(snapshot.finishedOn);
  const runDetails: Record<string, unknown> = {
    builder: options.builderId ? { id: options.builderId } : {},
    metadata,
  };
  const extra = byproducts(context);
  if (extra.length > 0) runDetails.byproducts = extra;

  const subject =
    options.format === 'slsa/v2alpha4' ? buildArtifactOnlySubjects(context) : slsaSubjects(context);
  return {
    _type: STATEMENT_V1,
    subject,
    predicateType: PREDICATE_SLSA_V1,
    predicate: { buildDefinition, runDetails },
  };
}

function externalParameters({ snapshot }: RunContext): Record<string, unknown> {
  const run = snapshot.pipelineRun;
  // Chains' IsRemote compares with "Cluster" (capitalized), so the cluster resolver counts as remote there.
  return runParameters(run.spec.pipelineRef?.resolver, run.status?.provenance?.refSource, runSpec(run.spec));
}

/** `externalParameters` of a run: `buildConfigSource` when it came from a remote resolver, and its spec. */
export function runParameters(
  resolver: string | undefined,
  refSource: RefSource | undefined,
  spec: Record<string, unknown>,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (refSource && resolver && resolver !== 'Cluster') {
    const [algorithm, hex] = Object.entries(refSource.digest ?? {})[0] ?? [];
    params.buildConfigSource = {
      ref: algorithm === undefined ? '' : `${algorithm}:${hex}`,
      repository: refSource.uri ?? '',
      path: refSource.entryPoint ?? '',
    };
  }
  params.runSpec = spec;
  return params;
}

/**
 * The spec as Chains records it: Go's json.Marshal of the typed v1 PipelineRunSpec (Tekton's field order,
 * omitempty fields left out, structs such as taskRunTemplate always written, a zero creationTimestamp omitted
 * at every depth, unknown fields dropped), read back as JSON.
 */
function runSpec(spec: RunContext['snapshot']['pipelineRun']['spec']): Record<string, unknown> {
  return JSON.parse(goMarshal(spec, TEKTON_GO_LAYOUT, PIPELINE_RUN_SPEC)) as Record<string, unknown>;
}

function internalParameters({ snapshot, options }: RunContext): Record<string, unknown> {
  const run = snapshot.pipelineRun;
  return runInternalParameters(run.metadata, run.status?.provenance, options.buildType);
}

/** `internalParameters` of a run: its feature flags; with slsa-tekton also its labels and annotations. */
export function runInternalParameters(
  metadata: ObjectMeta,
  provenance: Provenance | undefined,
  buildType: string,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (provenance?.featureFlags) params[FEATURE_FLAGS] = featureFlagsAsTektonWrites(provenance.featureFlags);
  if (buildType === BUILD_TYPE_SLSA_TEKTON) {
    params.labels = metadata.labels ?? null;
    params.annotations = metadata.annotations ?? null;
  }
  return params;
}

/** A dependency as protojson writes it: empty fields left out. */
export function compact(dependency: Dependency): Dependency {
  const out: Dependency = {};
  if (dependency.name) out.name = dependency.name;
  if (dependency.uri) out.uri = dependency.uri;
  if (dependency.digest && Object.keys(dependency.digest).length > 0) out.digest = dependency.digest;
  if (dependency.content) out.content = dependency.content;
  return out;
}
