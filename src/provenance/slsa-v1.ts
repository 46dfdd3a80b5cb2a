import { runKeyed } from '../tekton/run-keys.js';
import { byproducts } from './byproducts.js';
import type { RunContext } from './context.js';
import type { Dependency } from './dedup.js';
import { resolvedDependencies } from './resolved-dependencies.js';
import { BUILD_TYPE_SLSA_TEKTON, PREDICATE_SLSA_V1, STATEMENT_V1, type Statement } from './statement.js';
import { buildArtifactOnlySubjects, slsaSubjects } from './subjects.js';
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
  const params: Record<string, unknown> = {};
  const refSource = run.status?.provenance?.refSource;
  const resolver = run.spec.pipelineRef?.resolver;
  // Chains' IsRemote compares with "Cluster" (capitalized), so the cluster resolver counts as remote there.
  if (refSource && resolver && resolver !== 'Cluster') {
    const [algorithm, hex] = Object.entries(refSource.digest ?? {})[0] ?? [];
    params.buildConfigSource = {
      ref: algorithm === undefined ? '' : `${algorithm}:${hex}`,
      repository: refSource.uri ?? '',
      path: refSource.entryPoint ?? '',
    };
  }
  params.runSpec = runSpec(run.spec);
  return params;
}

/**
 * The spec as Go marshals a v1 PipelineRunSpec: every field is omitempty (empty lists and strings
 * vanish) except taskRunTemplate, a struct that is always written, even as {}.
 */
function runSpec(spec: RunContext['snapshot']['pipelineRun']['spec']): Record<string, unknown> {
  const out = runKeyed<unknown>();
  for (const [key, value] of Object.entries(spec)) {
    if (value === '' || value === null || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  out.taskRunTemplate = spec.taskRunTemplate ?? {};
  return out;
}

function internalParameters({ snapshot, options }: RunContext): Record<string, unknown> {
  const run = snapshot.pipelineRun;
  const params: Record<string, unknown> = {};
  const featureFlags = run.status?.provenance?.featureFlags;
  if (featureFlags) params[FEATURE_FLAGS] = featureFlags;
  if (options.buildType === BUILD_TYPE_SLSA_TEKTON) {
    params.labels = run.metadata.labels ?? null;
    params.annotations = run.metadata.annotations ?? null;
  }
  return params;
}

function compact(dependency: Dependency): Dependency {
  const out: Dependency = {};
  if (dependency.name) out.name = dependency.name;
  if (dependency.uri) out.uri = dependency.uri;
  if (dependency.digest && Object.keys(dependency.digest).length > 0) out.digest = dependency.digest;
  if (dependency.content) out.content = dependency.content;
  return out;
}
