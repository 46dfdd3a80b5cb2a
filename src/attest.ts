import { type CollectedRun, collectRun } from './collect/collect-run.js';
import {
  applyChainsConfig,
  DEFAULTS,
  loadChainsConfig,
  parseDuration,
  parseFormatOptions,
  parseStorage,
  type RawOptions,
} from './config/config.js';
import { AttestError, reasonOf } from './errors.js';
import type { KubeClient } from './kube/client.js';
import { ServiceAccountCredentials } from './kube/registry-credentials.js';
import { ApiSecretSource } from './kube/secrets.js';
import { log } from './log.js';
import type { RegistryClient } from './oci/client.js';
import { dockerConfigSources } from './oci/docker-config.js';
import { buildStatement, serializeStatement } from './provenance/index.js';
import type { FormatOptions } from './provenance/statement.js';
import { formatSummary } from './report/summary.js';
import { attestationDigest, taskResults, writeTaskResults } from './report/task-results.js';
import type { KeylessSigner } from './signing/keyless.js';
import { loadKeySigner, type SecretSource } from './signing/load-key.js';
import { signStatement } from './signing/sign-statement.js';
import {
  assertImageSignaturesLoggable,
  logAttestation,
  parseTransparencyMode,
  transparencyWanted,
} from './signing/transparency.js';
import type { SignedAttestation, Signer } from './signing/types.js';
import type { StorageBackend, StorageName, StorageOutcome } from './storage/backend.js';
import { FileStorage } from './storage/file.js';
import { parseRepositoryOverride } from './storage/oci-subjects.js';
import { TektonStorage } from './storage/tekton.js';

/**
 * `tekton-attest attest`, the Task's job: config -> signer -> collect the run from the API -> build the
 * Statement -> sign -> store in every requested backend (each tried, whatever the others did) -> summary and
 * Task results. Every argument is checked, and the key decrypted, before anything is read or written.
 */
export async function runAttest(args: RawOptions): Promise<void> {
  const options = await effectiveOptions(args);
  const plan = planOf(options);
  const kube = lazyKubeClient(options, plan);
  // A cosign key's scrypt holds 64 MiB for ~150 ms. Decrypted before the Kubernetes and registry code
  // (client-node, undici: most of the JS attest runs) is loaded and the run is read, the process's peak
  // memory is the larger of the two phases instead of their sum (docs/benchmark.md). Overlapping it with
  // the API reads would save its wall time but put the 64 MiB on top of everything else.
  const signer = await createSigner(options, {
    readSecret: async (namespace, name) => new ApiSecretSource(await kube()).readSecret(namespace, name),
  });
  const client = await kube();

  const collected = await collectRun(client, {
    pipelineRun: str(options.pipelinerun),
    namespace: str(options.namespace),
    selfTaskRun: str(options.taskrun),
    podLabelsFile: str(options['pod-labels-file']),
    waitTimeoutMs: plan.waitTimeoutMs,
    requireComplete: options['require-complete'] === true,
  });
  const statement = buildStatement(collected.snapshot, plan.format);
  let attestation = await signStatement(statement, signer, serializeStatement(statement));
  const transparency = parseTransparencyMode(options.transparency);
  // Where this run's signatures are logged (the attestation here, image signatures by the oci backend).
  const rekorUrl = transparencyWanted(transparency, collected.pipelineRun.metadata.annotations)
    ? (str(options['rekor-url']) ?? DEFAULTS.rekorUrl)
    : undefined;
  if (rekorUrl && plan.storage.includes('oci') && options['sign-images'] === true) {
    // Before the attestation's own entry: a run refused for its image signatures leaves nothing in the log.
    assertImageSignaturesLoggable(signer);
  }
  if (rekorUrl) attestation = await logAttestation(attestation, rekorUrl);

  const registry = plan.storage.includes('oci')
    ? await registryClient(options, client, collected)
    : undefined;
  const context: BackendContext = { client, collected, registry, signer, rekorUrl };
  let outcomes: StorageOutcome[];
  try {
    // The backends write to different places (the API server, the registry, a directory): side by side,
    // the run waits for the slowest instead of their sum. Outcomes keep the --storage order.
    outcomes = await Promise.all(
      plan.storage.map((name) => store(name, () => backendFor(name, options, context), attestation)),
    );
  } finally {
    await registry?.close();
  }

  report(collected, attestation, plan.format, describeSigner(signer), outcomes);
  const resultsDir = str(options['results-dir']);
  if (resultsDir) {
    await writeTaskResults(
      resultsDir,
      taskResults({ envelopeJson: attestation.envelopeJson, subjects: statement.subject, outcomes }),
    );
  }
  const failed = outcomes.filter((o) => !o.ok).map((o) => o.backend);
  if (failed.length === 0) return;
  const message = `${failed.length} of ${outcomes.length} storage backends failed: ${failed.join(', ')}`;
  if (options['best-effort'] === true) {
    log.warn(`${message} (--best-effort: exiting 0)`);
    return;
  }
  throw new AttestError('STORAGE_FAILED', message, {
    hint: 'see the summary above for each failure; --best-effort exits 0 despite failed backends',
  });
}

/** Flags and TEKTON_ATTEST_* env, then the Chains config map for what is still unset. */
async function effectiveOptions(args: RawOptions): Promise<RawOptions> {
  // The Task passes every param as env; an empty param means "not set", not "set to empty".
  const given = Object.fromEntries(Object.entries(args).filter(([, value]) => value !== ''));
  const chainsConfig = str(given['chains-config']);
  return chainsConfig ? applyChainsConfig(given, await loadChainsConfig(chainsConfig)) : given;
}

interface Plan {
  format: FormatOptions;
  storage: StorageName[];
  waitTimeoutMs: number;
  /** Unset: the API client's default. */
  requestTimeoutMs: number | undefined;
}

/** Parses and cross-checks every option up front, so bad input fails before the API is touched. */
function planOf(options: RawOptions): Plan {
  const storage = parseStorage(options.storage);
  if (storage.includes('file') && !str(options['output-dir'])) {
    throw new AttestError('INVALID_ARGUMENT', '--storage file needs --output-dir', {
      hint: 'give the directory (e.g. a workspace) to write the statement and envelope to',
    });
  }
  parseRepositoryOverride(str(options['oci-repository']));
  parseTransparencyMode(options.transparency);
  const signer = signerKind(options);
  if (signer === 'key' && !str(options.key)) {
    throw new AttestError('INVALID_ARGUMENT', '--signer key needs --key', {
      hint: 'pass --key (a cosign.key or x509.pem file, a directory holding one, or k8s://NS/SECRET), or use --signer keyless',
    });
  }
  return {
    format: parseFormatOptions(options),
    storage,
    waitTimeoutMs: parseDuration(options['wait-timeout'], '--wait-timeout', DEFAULTS.waitTimeoutMs),
    requestTimeoutMs:
      options['request-timeout'] === undefined
        ? undefined
        : parseDuration(options['request-timeout'], '--request-timeout', 0),
  };
}

/**
 * The API client, its code loaded and its connection configured on first use: a key file is decrypted
 * before (see runAttest); a k8s:// key needs the client to read its secret, so it comes first then.
 */
function lazyKubeClient(options: RawOptions, plan: Plan): () => Promise<KubeClient> {
  let client: Promise<KubeClient> | undefined;
  return () => {
    client ??= (async () => {
      const [{ KubeClient }, { loadKubeConnection }] = await Promise.all([
        import('./kube/client.js'),
        import('./kube/config.js'),
      ]);
      const connection = loadKubeConnection({
        kubeconfig: str(options.kubeconfig),
        context: str(options.context),
        serviceAccountRoot: str(options['serviceaccount-root']),
      });
      return new KubeClient(connection, { requestTimeoutMs: plan.requestTimeoutMs });
    })();
    return client;
  };
}

function signerKind(options: RawOptions): 'key' | 'keyless' {
  const kind = str(options.signer) ?? (str(options.key) ? 'key' : undefined);
  if (kind === 'key' || kind === 'keyless') return kind;
  throw new AttestError('INVALID_ARGUMENT', 'no signer: neither --key nor --signer keyless was given', {
    hint: 'pass --key FILE|DIR|k8s://NS/SECRET, or --signer keyless for a Fulcio certificate of the pod identity',
  });
}

async function createSigner(options: RawOptions, secrets: SecretSource): Promise<Signer> {
  if (signerKind(options) === 'keyless') {
    // Keyless (and with it @sigstore/sign's HTTP stack) is loaded only when asked for.
    const [{ KeylessSigner }, { tokenSource }] = await Promise.all([
      import('./signing/keyless.js'),
      import('./signing/identity-token.js'),
    ]);
    const oidcIssuer = str(options['oidc-issuer']);
    return new KeylessSigner({
      fulcioUrl: str(options['fulcio-url']) ?? DEFAULTS.fulcioUrl,
      tokenSource: tokenSource(str(options['identity-token-file']), DEFAULTS.identityTokenFile),
      ...(oidcIssuer ? { oidcIssuer } : {}),
    });
  }
  return loadKeySigner({
    key: str(options.key)!,
    passwordFile: str(options['key-password-file']),
    secrets,
  });
}

function describeSigner(signer: Signer): string {
  if (signer.kind === 'keyless') {
    const identity = (signer as KeylessSigner).identity();
    return identity
      ? `keyless: ${identity.certificate.subjectAlternativeName ?? '?'} (issuer ${identity.certificate.issuer ?? '?'}), Fulcio ${identity.fulcioUrl}`
      : 'keyless';
  }
  return 'source' in signer ? `key (${String(signer.source)})` : signer.kind;
}

/** Registry access with the pipeline's own credentials: docker configs, then (opt-in) the SA's secrets. */
async function registryClient(
  options: RawOptions,
  client: KubeClient,
  collected: CollectedRun,
): Promise<RegistryClient> {
  const credentials = dockerConfigSources({ dockerConfigDir: str(options['docker-config']) });
  if (options['registry-credentials-from-api'] === true) {
    const account =
      client.connection.serviceAccount?.name ??
      collected.pipelineRun.spec.taskRunTemplate?.serviceAccountName ??
      'default';
    credentials.push(new ServiceAccountCredentials(client, collected.target.namespace, account));
  }
  const ca = str(options['registry-ca']);
  const insecure = options['insecure-registry'];
  const { RegistryClient } = await import('./oci/client.js');
  return new RegistryClient({
    credentials,
    ...(ca ? { registryCaFiles: [ca] } : {}),
    ...(Array.isArray(insecure) ? { insecureRegistries: insecure.map(String).filter(Boolean) } : {}),
  });
}

interface BackendContext {
  client: KubeClient;
  collected: CollectedRun;
  registry: RegistryClient | undefined;
  signer: Signer;
  /** Set when the run's signatures go to Rekor. */
  rekorUrl: string | undefined;
}

async function backendFor(
  name: StorageName,
  options: RawOptions,
  context: BackendContext,
): Promise<StorageBackend> {
  const { collected } = context;
  const run = collected.pipelineRun.metadata;
  switch (name) {
    case 'tekton':
      return new TektonStorage({
        client: context.client,
        version: collected.version,
        namespace: collected.target.namespace,
        name: collected.target.pipelineRun,
        uid: run.uid ?? '',
        markSigned: options['mark-signed'] === true,
      });
    case 'file':
      return new FileStorage(str(options['output-dir'])!, collected.target.pipelineRun);
    case 'oci': {
      const repository = str(options['oci-repository']);
      const settings = {
        client: context.registry!,
        ...(repository ? { repository } : {}),
        ...(options['sign-images'] === true ? { imageSigner: context.signer } : {}),
        ...(context.rekorUrl ? { rekorUrl: context.rekorUrl } : {}),
      };
      if (str(options['oci-encoding']) !== 'sigstore-bundle') {
        const { OciTagStorage } = await import('./storage/oci-tag.js');
        return new OciTagStorage(settings);
      }
      // The sigstore bundle encoding (and @sigstore/bundle) is loaded only when chosen.
      const { OciReferrerStorage } = await import('./storage/oci-referrer.js');
      return new OciReferrerStorage(settings);
    }
  }
}

/** One backend's attempt; a failure is an outcome, whatever the other backends do. */
async function store(
  name: StorageName,
  backend: () => Promise<StorageBackend>,
  attestation: SignedAttestation,
): Promise<StorageOutcome> {
  try {
    const outcome = await (await backend()).store(attestation);
    if (!outcome.ok) log.error(`${name} storage failed: ${outcome.detail ?? 'no reason given'}`);
    return outcome;
  } catch (error) {
    const reason = reasonOf(error);
    log.error(`${name} storage failed: ${reason}`);
    return { backend: name, ok: false, locations: [], detail: reason.split('\n')[0] };
  }
}

function report(
  collected: CollectedRun,
  attestation: SignedAttestation,
  format: FormatOptions,
  signer: string,
  outcomes: StorageOutcome[],
): void {
  const { snapshot, target } = collected;
  const subjects = attestation.statement.subject;
  if (subjects.length === 0) {
    const elsewhere = outcomes.map((o) => o.backend).filter((b) => b !== 'oci');
    log.info(
      `the provenance has no subjects (no image or artifact results): nothing to attach in a registry; ` +
        `attested to ${elsewhere.join(', ') || 'no other backend'}`,
    );
  }
  log.print(
    formatSummary({
      run: `${target.namespace}/${target.pipelineRun}`,
      apiVersion: collected.version,
      tasks: [...snapshot.taskRuns, ...snapshot.customRuns].map((r) => r.metadata.name ?? ''),
      excluded: target.selfTaskRun,
      unfinished: snapshot.unfinished,
      subjects,
      format:
        format.format === 'slsa/v1'
          ? 'slsa/v1 (SLSA v0.2)'
          : `${format.format} (SLSA v1.0, ${format.buildType})`,
      signer,
      digest: attestationDigest(attestation.envelopeJson),
      transparency: attestation.tlogEntry
        ? `log index ${attestation.tlogEntry.logIndex}: ${attestation.tlogEntry.url}`
        : undefined,
      outcomes,
    }),
  );
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
