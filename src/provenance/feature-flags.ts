/**
 * `status.provenance.featureFlags` as Chains writes it: Chains decodes the stored map into Tekton's
 * `config.FeatureFlags` struct (client-go decodes field names case-sensitively) and marshals it again, so
 * only the struct's JSON field names survive, each `omitempty`: a false, "" or 0 value disappears, and keys
 * written by older controllers (Go field names such as `EnableAPIFields`, before the struct had JSON tags)
 * or unknown to this Tekton release are dropped. `enableTektonOCIBundles` is a *bool: kept when set, even
 * false. Field list and order: tektoncd/pipeline v1.15.0 pkg/apis/config/feature_flags.go.
 */
type FlagKind = 'bool' | 'string' | 'int' | 'boolPointer';

const FEATURE_FLAG_FIELDS: readonly (readonly [string, FlagKind])[] = [
  ['disableCredsInit', 'bool'],
  ['runningInEnvWithInjectedSidecars', 'bool'],
  ['requireGitSSHSecretKnownHosts', 'bool'],
  ['enableAPIFields', 'string'],
  ['sendCloudEventsForRuns', 'bool'],
  ['awaitSidecarReadiness', 'bool'],
  ['enforceNonfalsifiability', 'string'],
  ['enableKeepPodOnCancel', 'bool'],
  ['verificationNoMatchPolicy', 'string'],
  ['enableProvenanceInStatus', 'bool'],
  ['resultExtractionMethod', 'string'],
  ['maxResultSize', 'int'],
  ['setSecurityContext', 'bool'],
  ['setSecurityContextReadOnlyRootFilesystem', 'bool'],
  ['coschedule', 'string'],
  ['enableCELInWhenExpression', 'bool'],
  ['enableStepActions', 'bool'],
  ['enableParamEnum', 'bool'],
  ['enableArtifacts', 'bool'],
  ['disableInlineSpec', 'string'],
  ['enableConciseResolverSyntax', 'bool'],
  ['enableKubernetesSidecar', 'bool'],
  ['enableWaitExponentialBackoff', 'bool'],
  ['enableTerminationMessageCompression', 'bool'],
  ['enableTektonOCIBundles', 'boolPointer'],
];

const KIND_CHECK: Record<FlagKind, (value: unknown) => boolean> = {
  bool: (value) => value === true,
  string: (value) => typeof value === 'string' && value !== '',
  int: (value) => typeof value === 'number' && value !== 0,
  boolPointer: (value) => typeof value === 'boolean',
};

/** The feature flags Chains would write, in Tekton's struct order. */
export function featureFlagsAsTektonWrites(
  stored: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of FEATURE_FLAG_FIELDS) {
    if (Object.hasOwn(stored, name) && KIND_CHECK[kind](stored[name])) out[name] = stored[name];
  }
  return out;
}
