import { AttestError } from '../errors.js';
import { type RunFormat, TEKTON_FORMAT } from '../provenance/tekton-format.js';
import { applyChainsConfig, loadChainsConfig } from './chains-config.js';
import { DEFAULTS, NO_STORAGE, STORAGE_NAMES, type StorageName } from './defaults.js';
import { parseRunFormat } from './format.js';
import { type KubeAccess, parseKubeAccess } from './kube.js';
import {
  parseRegistryAccess,
  parseRepositoryOverride,
  type RegistryAccess,
  type Repository,
} from './registry.js';
import {
  flag,
  formatDuration,
  list,
  outputDirectory,
  parseDuration,
  parsePositiveDuration,
  type RawOptions,
  text,
} from './values.js';

/**
 * `--sign-images` / Chains' `artifacts.oci.storage`: image signatures are on unless turned off, as in Chains.
 * `requested`: asked for explicitly (flag, env or chains-config), so a signer that cannot make them is an
 * error; `default`: nobody said, so such a signer skips them with a warning; `off`: `--sign-images=false`.
 */
export type ImageSignatureMode = 'requested' | 'default' | 'off';

/** `--transparency` / Chains' `transparency.enabled`. */
export type TransparencyMode = 'false' | 'true' | 'manual';

/** Where the attestation is signed: a key (file, directory or k8s://NS/SECRET), or keyless with Fulcio. */
export type SignerConfig =
  | { readonly kind: 'key'; readonly key: string; readonly passwordFile: string | undefined }
  | {
      readonly kind: 'keyless';
      readonly fulcioUrl: string;
      readonly identityTokenFile: string | undefined;
      readonly oidcIssuer: string | undefined;
    };

/** Everything `attest` does, parsed and checked once, before the API or a registry is touched. */
export interface AttestConfig {
  readonly run: {
    readonly pipelineRun: string | undefined;
    readonly namespace: string | undefined;
    readonly selfTaskRun: string | undefined;
    readonly podLabelsFile: string | undefined;
    readonly waitTimeoutMs: number;
    readonly requireComplete: boolean;
    readonly statusManagers: readonly string[];
    readonly allowForeignStatus: boolean;
  };
  readonly kube: KubeAccess;
  /** The PipelineRun's artifact: a SLSA statement, or the legacy `tekton` format (its signed status). */
  readonly format: RunFormat;
  readonly signer: SignerConfig;
  readonly transparency: { readonly mode: TransparencyMode; readonly rekorUrl: string };
  readonly storage: readonly StorageName[];
  /** Chains' `artifacts.taskrun.*`: each sibling TaskRun's own artifact, and where it goes (empty: none). */
  readonly taskRuns: { readonly format: RunFormat; readonly storage: readonly StorageName[] };
  readonly oci: {
    readonly repository: Repository | undefined;
    readonly encoding: 'tag' | 'sigstore-bundle';
    /** Written to the registry whatever `--storage` says, as Chains' `artifacts.oci` is (docs/oci.md). */
    readonly signImages: ImageSignatureMode;
  };
  readonly registry: RegistryAccess;
  /** Also read the service account's pull secrets through the API. */
  readonly registryCredentialsFromApi: boolean;
  readonly markSigned: boolean;
  /** `file` storage's directory (required when `file` is among the backends). */
  readonly outputDir: string | undefined;
  readonly resultsDir: string | undefined;
  readonly bestEffort: boolean;
  /** Deadline of the whole run (`--timeout`). */
  readonly timeoutMs: number;
}

/** Flags and TEKTON_ATTEST_* env, then the Chains config map for what is still unset, into one AttestConfig. */
export async function parseAttestConfig(given: RawOptions): Promise<AttestConfig> {
  const chainsConfig = text(given, 'chains-config');
  const options = chainsConfig ? applyChainsConfig(given, await loadChainsConfig(chainsConfig)) : given;
  const storage = parseStorage(options.storage);
  const format = parseRunFormat(options, 'format', DEFAULTS.format);
  assertStorable(format, '--format', storage, '--storage');
  const taskRuns = parseTaskRunArtifacts(options);
  const outputDir = outputDirectory(options, 'output-dir');
  for (const [flagName, backends] of [
    ['--storage', storage],
    ['--taskrun-storage', taskRuns.storage],
  ] as const) {
    if (backends.includes('file') && !outputDir) {
      throw new AttestError('INVALID_ARGUMENT', `${flagName} file needs --output-dir`, {
        hint: 'give the directory (e.g. a workspace) to write the statement and envelope to',
      });
    }
  }
  const repository = parseRepositoryOverride(options);
  const transparency = parseTransparencyMode(options.transparency);
  const signer = parseSigner(options);
  const waitTimeoutMs = parseDuration(options['wait-timeout'], '--wait-timeout', DEFAULTS.waitTimeoutMs);
  const timeoutMs = parsePositiveDuration(options.timeout, '--timeout', DEFAULTS.runTimeoutMs);
  if (timeoutMs <= waitTimeoutMs) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      `--timeout ${formatDuration(timeoutMs)} does not leave time to sign and store after --wait-timeout ${formatDuration(waitTimeoutMs)}`,
      { hint: 'make --timeout longer than --wait-timeout (the defaults are 10m and 5m)' },
    );
  }
  return {
    run: {
      pipelineRun: text(options, 'pipelinerun'),
      namespace: text(options, 'namespace'),
      selfTaskRun: text(options, 'taskrun'),
      podLabelsFile: text(options, 'pod-labels-file'),
      waitTimeoutMs,
      requireComplete: flag(options, 'require-complete'),
      statusManagers: parseStatusManagers(options),
      allowForeignStatus: flag(options, 'allow-foreign-status'),
    },
    kube: parseKubeAccess(options),
    format,
    signer,
    transparency: { mode: transparency, rekorUrl: text(options, 'rekor-url') ?? DEFAULTS.rekorUrl },
    storage,
    taskRuns,
    oci: {
      repository,
      encoding: parseOciEncoding(options),
      signImages: parseImageSignatureMode(options['sign-images']),
    },
    registry: parseRegistryAccess(options),
    registryCredentialsFromApi: flag(options, 'registry-credentials-from-api'),
    markSigned: flag(options, 'mark-signed'),
    outputDir,
    resultsDir: outputDirectory(options, 'results-dir'),
    bestEffort: flag(options, 'best-effort'),
    timeoutMs,
  };
}

export function parseStorage(
  value: unknown,
  flagName = '--storage',
  fallback: readonly StorageName[] = DEFAULTS.storage,
): StorageName[] {
  if (value === undefined || value === '') return [...fallback];
  const names = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!STORAGE_NAMES.includes(name as StorageName)) {
      throw new AttestError('INVALID_ARGUMENT', `${flagName} ${name} is not a storage backend`, {
        hint: `use a comma-separated list of ${STORAGE_NAMES.join(', ')}${flagName === '--storage' ? '' : `, or ${NO_STORAGE}`}`,
      });
    }
  }
  return [...new Set(names)] as StorageName[];
}

/**
 * `--taskrun-format` and `--taskrun-storage` (Chains' `artifacts.taskrun.format` and `.storage`; defaults as
 * Chains: slsa/v1 to tekton). `none` turns TaskRun artifacts off. The legacy `tekton` format is a raw
 * signature over the status, which only Chains' annotations hold: oci and file storage refuse it up front.
 */
function parseTaskRunArtifacts(options: RawOptions): AttestConfig['taskRuns'] {
  const requested = text(options, 'taskrun-storage');
  const storage =
    requested === NO_STORAGE ? [] : parseStorage(requested, '--taskrun-storage', DEFAULTS.taskRunStorage);
  const format = parseRunFormat(options, 'taskrun-format', DEFAULTS.taskRunFormat);
  assertStorable(format, '--taskrun-format', storage, '--taskrun-storage');
  return { format, storage };
}

/**
 * The legacy `tekton` format is a raw signature over the run's status: cosign's `.att`/bundles and the
 * file backend's envelope hold DSSE only, and Chains itself kept it in annotations only (its oci storage
 * refused it). Refused up front, before anything is read, signed or written.
 */
function assertStorable(
  format: RunFormat,
  formatFlag: string,
  storage: readonly StorageName[],
  storageFlag: string,
): void {
  const elsewhere = storage.filter((name) => name !== 'tekton');
  if (format.format !== TEKTON_FORMAT || elsewhere.length === 0) return;
  throw new AttestError(
    'INVALID_ARGUMENT',
    `${formatFlag} ${TEKTON_FORMAT} cannot be stored in ${elsewhere.join(', ')}: it is a raw signature over the run's status, kept only in Chains' annotations`,
    {
      hint: `use ${storageFlag} tekton with ${formatFlag} ${TEKTON_FORMAT}, or a SLSA format (slsa/v1, slsa/v2alpha3, slsa/v2alpha4) for oci and file`,
    },
  );
}

/** `--status-field-manager`: comma-separated field manager names trusted to write run status. */
function parseStatusManagers(options: RawOptions): string[] {
  const names = list(options, 'status-field-manager').flatMap((value) =>
    value
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );
  return names.length > 0 ? [...new Set(names)] : [...DEFAULTS.statusFieldManagers];
}

export function parseTransparencyMode(value: unknown): TransparencyMode {
  const mode = value === undefined || value === '' ? 'false' : String(value).trim().toLowerCase();
  if (mode === 'true' || mode === 'false' || mode === 'manual') return mode;
  throw new AttestError('INVALID_ARGUMENT', `--transparency ${String(value)} is not a transparency mode`, {
    hint: 'use true, false or manual (manual: only runs annotated chains.tekton.dev/transparency-upload: "true")',
  });
}

function parseImageSignatureMode(value: unknown): ImageSignatureMode {
  if (value === undefined) return 'default';
  if (value === true) return 'requested';
  if (value === false) return 'off';
  throw new AttestError('INVALID_ARGUMENT', `--sign-images ${String(value)} is not true or false`, {
    hint: 'image signatures are on by default; pass --sign-images=false to turn them off',
  });
}

/** `--oci-encoding`; Chains' `storage.oci.encoding-format` may name other encodings, which mean the tag layout. */
function parseOciEncoding(options: RawOptions): 'tag' | 'sigstore-bundle' {
  return text(options, 'oci-encoding') === 'sigstore-bundle' ? 'sigstore-bundle' : DEFAULTS.ociEncoding;
}

function parseSigner(options: RawOptions): SignerConfig {
  const key = text(options, 'key');
  const kind = text(options, 'signer') ?? (key ? 'key' : undefined);
  if (kind === 'keyless') {
    const keyFlags = [
      ...(key && key !== DEFAULTS.taskKeyDir ? [`--key ${key}`] : []),
      ...(text(options, 'key-password-file') ? ['--key-password-file'] : []),
    ];
    if (keyFlags.length > 0) {
      // Signing keyless with a key at hand would attest with an identity the user did not choose.
      throw new AttestError(
        'INVALID_ARGUMENT',
        `--signer keyless signs with a Fulcio certificate and uses no key, but ${keyFlags.join(' and ')} was given`,
        {
          hint: 'drop --key and --key-password-file to sign keyless, or use --signer key to sign with the key',
        },
      );
    }
    return {
      kind,
      fulcioUrl: text(options, 'fulcio-url') ?? DEFAULTS.fulcioUrl,
      identityTokenFile: text(options, 'identity-token-file'),
      oidcIssuer: text(options, 'oidc-issuer'),
    };
  }
  if (kind !== 'key') {
    throw new AttestError('INVALID_ARGUMENT', 'no signer: neither --key nor --signer keyless was given', {
      hint: 'pass --key FILE|DIR|k8s://NS/SECRET, or --signer keyless for a Fulcio certificate of the pod identity',
    });
  }
  if (!key) {
    throw new AttestError('INVALID_ARGUMENT', '--signer key needs --key', {
      hint: 'pass --key (a cosign.key or x509.pem file, a directory holding one, or k8s://NS/SECRET), or use --signer keyless',
    });
  }
  return { kind, key, passwordFile: text(options, 'key-password-file') };
}
