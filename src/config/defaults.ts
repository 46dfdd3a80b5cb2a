import { BUILD_TYPE_SLSA, DEFAULT_BUILDER_ID, type FormatName } from '../provenance/statement.js';

/** The storage backends `--storage` names (each a file in storage/). */
export type StorageName = 'oci' | 'tekton' | 'file';
export const STORAGE_NAMES: readonly StorageName[] = ['oci', 'tekton', 'file'];

/** Defaults, in one place (the README's parameter table mirrors these). */
export const DEFAULTS = {
  format: 'slsa/v2alpha4' as FormatName,
  buildType: BUILD_TYPE_SLSA,
  builderId: DEFAULT_BUILDER_ID,
  storage: ['tekton', 'oci'] as readonly StorageName[],
  waitTimeoutMs: 5 * 60_000,
  fulcioUrl: 'https://fulcio.sigstore.dev',
  rekorUrl: 'https://rekor.sigstore.dev',
  identityTokenFile: '/var/run/sigstore/cosign/oidc-token',
  ociEncoding: 'tag' as const,
  /**
   * The field manager Tekton's controller writes run status as: client-go's default user agent is the
   * binary's name, and the release's controller image runs /ko-app/controller.
   */
  statusFieldManagers: ['controller'] as readonly string[],
};
