import { AttestError } from '../errors.js';
import { parseReference } from '../oci/reference.js';
import { DEFAULTS } from './defaults.js';
import { list, parseMaxInputSize, parsePositiveDuration, type RawOptions, text } from './values.js';

/** How to reach registries: `--docker-config`, `--registry-ca`, `--insecure-registry` (attest, bundle, verify). */
export interface RegistryAccess {
  /** Tried before DOCKER_CONFIG, ~/.docker and /tekton/creds. */
  readonly dockerConfigDir: string | undefined;
  readonly caFiles: readonly string[];
  /** host[:port] reached over plain HTTP or without TLS verification. */
  readonly insecureRegistries: readonly string[];
  /** Deadline of each registry request, the whole body included (`--registry-request-timeout`). */
  readonly requestTimeoutMs: number;
  /** The largest blob read (`--max-input-size`); manifests keep the OCI spec's 4 MiB. */
  readonly maxBlobBytes: number;
}

/** A repository, without tag or digest. */
export interface Repository {
  readonly registry: string;
  readonly repository: string;
}

export function parseRegistryAccess(options: RawOptions): RegistryAccess {
  const ca = text(options, 'registry-ca');
  return {
    dockerConfigDir: text(options, 'docker-config'),
    caFiles: ca ? [ca] : [],
    insecureRegistries: list(options, 'insecure-registry'),
    requestTimeoutMs: parsePositiveDuration(
      options['registry-request-timeout'],
      '--registry-request-timeout',
      DEFAULTS.registryRequestTimeoutMs,
    ),
    maxBlobBytes: parseMaxInputSize(options),
  };
}

/** `--oci-repository` (a repository, no tag or digest): where OCI attachments are kept instead of the image's own. */
export function parseRepositoryOverride(options: RawOptions): Repository | undefined {
  const value = text(options, 'oci-repository');
  if (!value) return undefined;
  const ref = parseReference(value);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new AttestError('INVALID_ARGUMENT', `--oci-repository ${value} names a tag or digest`, {
      hint: 'give a repository only, e.g. registry.example.com/team/attestations',
    });
  }
  return { registry: ref.registry, repository: ref.repository };
}
