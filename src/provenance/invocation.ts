import { runKeyed } from '../tekton/run-keys.js';
import type { ObjectMeta, Param, ParamSpec, ParamValue, RefSource } from '../tekton/types.js';

/**
 * SLSA v0.2 `invocation` of a PipelineRun or TaskRun (Chains' attest.Invocation): where its definition
 * came from, every parameter (spec defaults overwritten by the run's values), and its labels and
 * annotations minus kubectl's last-applied copy and Chains' own `chains.tekton.dev/*` bookkeeping.
 */
export interface Invocation {
  configSource: { uri?: string; digest?: Record<string, string>; entryPoint?: string };
  parameters: Record<string, ParamValue>;
  environment?: { annotations?: Record<string, string>; labels?: Record<string, string> };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const CHAINS_PREFIX = 'chains.tekton.dev/';

export function invocation(
  refSource: RefSource | undefined,
  params: readonly Param[] | undefined,
  paramSpecs: readonly ParamSpec[] | undefined,
  metadata: ObjectMeta,
): Invocation {
  const parameters = runKeyed<ParamValue>();
  for (const spec of paramSpecs ?? []) if (spec.default !== undefined) parameters[spec.name] = spec.default;
  for (const param of params ?? []) parameters[param.name] = param.value;

  const result: Invocation = { configSource: configSource(refSource), parameters };
  const annotations = Object.fromEntries(
    Object.entries(metadata.annotations ?? {}).filter(
      ([name]) => name !== LAST_APPLIED && !name.startsWith(CHAINS_PREFIX),
    ),
  );
  const environment: NonNullable<Invocation['environment']> = {};
  if (Object.keys(annotations).length > 0) environment.annotations = annotations;
  if (Object.keys(metadata.labels ?? {}).length > 0) environment.labels = { ...metadata.labels };
  if (Object.keys(environment).length > 0) result.environment = environment;
  return result;
}

function configSource(refSource: RefSource | undefined): Invocation['configSource'] {
  const source: Invocation['configSource'] = {};
  if (refSource?.uri) source.uri = refSource.uri;
  if (refSource?.digest && Object.keys(refSource.digest).length > 0) source.digest = { ...refSource.digest };
  if (refSource?.entryPoint) source.entryPoint = refSource.entryPoint;
  return source;
}
