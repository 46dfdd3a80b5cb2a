import type { CollectedRun } from '../collect/api/collect-run.js';
import type { AttestConfig } from '../config/attest.js';
import type { StorageName } from '../config/defaults.js';
import { AttestError, reasonOf } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { ServiceAccountCredentials } from '../kube/registry-credentials.js';
import { log } from '../log.js';
import type { RegistryClient } from '../oci/client.js';
import { TEKTON_FORMAT } from '../provenance/tekton-format.js';
import type { Signer } from '../signing/types.js';
import {
  isAttestation,
  type SignedArtifact,
  type SignedAttestation,
  type StorageOutcome,
} from '../storage/backend.js';
import { FileStorage } from '../storage/file.js';
import { TektonStorage } from '../storage/tekton.js';
import { storeInOci } from './image-signatures.js';
import { openRegistry } from './registry.js';

export interface StorageContext {
  client: KubeClient;
  collected: CollectedRun;
  signer: Signer;
  /** Set when the run's signatures go to Rekor. */
  rekorUrl: string | undefined;
}

/**
 * Stores the attestation in every `--storage` backend (oci: with `--sign-images`, the image signatures
 * first, see image-signatures.ts). They write to different places (the API server, the
 * registry, a directory): side by side, the run waits for the slowest instead of their sum. Outcomes keep
 * the --storage order; a backend's failure is its outcome, whatever the others do.
 */
export async function storeEverywhere(
  config: AttestConfig,
  context: StorageContext,
  attestation: SignedArtifact,
): Promise<StorageOutcome[]> {
  const registry = config.storage.includes('oci') ? await registryFor(config, context) : undefined;
  try {
    return await Promise.all(
      config.storage.map((name) => store(name, () => writeTo(name, config, context, registry, attestation))),
    );
  } finally {
    await registry?.close();
  }
}

/** Registry access with the pipeline's own credentials: docker configs, then (opt-in) the SA's secrets. */
export function registryFor(
  config: AttestConfig,
  { client, collected }: Pick<StorageContext, 'client' | 'collected'>,
): Promise<RegistryClient> {
  if (!config.registryCredentialsFromApi) return openRegistry(config.registry, [], { pushes: true });
  const account =
    client.connection.serviceAccount?.name ??
    collected.pipelineRun.spec.taskRunTemplate?.serviceAccountName ??
    'default';
  return openRegistry(
    config.registry,
    [new ServiceAccountCredentials(client, collected.target.namespace, account)],
    { pushes: true },
  );
}

/** One backend's write, its code loaded only when it is used. */
async function writeTo(
  name: StorageName,
  config: AttestConfig,
  context: StorageContext,
  registry: RegistryClient | undefined,
  signed: SignedArtifact,
): Promise<StorageOutcome> {
  const { collected } = context;
  switch (name) {
    case 'tekton':
      return new TektonStorage({
        client: context.client,
        version: collected.version,
        kind: 'PipelineRun',
        namespace: collected.target.namespace,
        name: collected.target.pipelineRun,
        uid: collected.pipelineRun.metadata.uid ?? '',
        markSigned: config.markSigned,
      }).store(signed);
    case 'file':
      return new FileStorage(config.outputDir!, collected.target.pipelineRun).store(
        attestationFor(name, signed),
      );
    case 'oci': {
      const backend = await ociBackend(config, registry!);
      const imageSigner = config.oci.signImages ? context.signer : undefined;
      return storeInOci(backend, attestationFor(name, signed), imageSigner, context.rekorUrl);
    }
  }
}

/**
 * The attestation a DSSE-only backend (oci, file) stores. parseAttestConfig refuses the legacy `tekton`
 * format for them before anything runs; this keeps the promise for every caller.
 */
export function attestationFor(backend: StorageName, signed: SignedArtifact): SignedAttestation {
  if (isAttestation(signed)) return signed;
  throw new AttestError('INVALID_ARGUMENT', `${backend} storage cannot hold the ${TEKTON_FORMAT} format`, {
    hint: `the ${TEKTON_FORMAT} format (a raw signature over the run's status) is kept in annotations only: use tekton storage`,
  });
}

/** The `oci` backend in the `--oci-encoding` chosen; each encoding's code is loaded only when chosen. */
export async function ociBackend(config: AttestConfig, registry: RegistryClient) {
  const settings = {
    client: registry,
    ...(config.oci.repository ? { repository: config.oci.repository } : {}),
  };
  return config.oci.encoding === 'tag'
    ? new (await import('../storage/oci-tag.js')).OciTagStorage(settings)
    : new (await import('../storage/oci-referrer.js')).OciReferrerStorage(settings);
}

/**
 * One backend's attempt; a failure is an outcome, whatever the other backends do. `run` names the TaskRun
 * whose own artifact is stored (TaskRun-level storage).
 */
export async function store(
  name: StorageName,
  write: () => Promise<StorageOutcome>,
  run?: string,
): Promise<StorageOutcome> {
  const what = run ? `${run}: ${name}` : name;
  try {
    const outcome = await write();
    if (!outcome.ok) log.error(`${what} storage failed: ${outcome.detail ?? 'no reason given'}`);
    return run ? { ...outcome, run } : outcome;
  } catch (error) {
    const reason = reasonOf(error);
    log.error(`${what} storage failed: ${reason}`);
    return {
      backend: name,
      ...(run ? { run } : {}),
      ok: false,
      locations: [],
      detail: reason.split('\n')[0],
    };
  }
}
