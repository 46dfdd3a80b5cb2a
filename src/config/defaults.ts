import { DEFAULT_MAX_INPUT_BYTES } from '../limits.js';
import { BUILD_TYPE_SLSA, DEFAULT_BUILDER_ID, type FormatName } from '../provenance/statement.js';

/** The storage backends `--storage` names (each a file in storage/). */
export type StorageName = 'oci' | 'tekton' | 'file';
export const STORAGE_NAMES: readonly StorageName[] = ['oci', 'tekton', 'file'];
/** `--taskrun-storage none`: no TaskRun-level artifacts (Chains: `artifacts.taskrun.storage: ""`). */
export const NO_STORAGE = 'none';

/** Defaults, in one place (the README's parameter table mirrors these). */
export const DEFAULTS = {
  format: 'slsa/v2alpha4' as FormatName,
  buildType: BUILD_TYPE_SLSA,
  builderId: DEFAULT_BUILDER_ID,
  storage: ['tekton', 'oci'] as readonly StorageName[],
  /**
   * Chains' `artifacts.taskrun.*` defaults (format `in-toto`, i.e. slsa/v1; storage `tekton`): a team that
   * replaces Chains with this task keeps the TaskRun attestations Chains gave it. Needs `patch` on taskruns.
   */
  taskRunFormat: 'slsa/v1' as FormatName,
  taskRunStorage: ['tekton'] as readonly StorageName[],
  waitTimeoutMs: 5 * 60_000,
  /**
   * The whole run (`--timeout`): well inside a Task's default 1h timeout, so a registry or API that stops
   * answering fails the step with a message naming it instead of Tekton killing the pod silently; and above
   * the default wait for siblings (5m) plus the minute or so signing and storing take.
   */
  runTimeoutMs: 10 * 60_000,
  maxInputBytes: DEFAULT_MAX_INPUT_BYTES,
  /** Each registry request, body included (`--registry-request-timeout`). */
  registryRequestTimeoutMs: 60_000,
  fulcioUrl: 'https://fulcio.sigstore.dev',
  rekorUrl: 'https://rekor.sigstore.dev',
  identityTokenFile: '/var/run/sigstore/cosign/oidc-token',
  /** The Task's `key` param default (its signing-secrets mount), passed as TEKTON_ATTEST_KEY whatever the signer. */
  taskKeyDir: '/var/run/tekton-attest/signing-secrets',
  ociEncoding: 'tag' as const,
  /**
   * The field manager Tekton's controller writes run status as: client-go's default user agent is the
   * binary's name, and the release's controller image runs /ko-app/controller.
   */
  statusFieldManagers: ['controller'] as readonly string[],
};
