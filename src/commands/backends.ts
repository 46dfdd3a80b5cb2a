import type { CollectedRun } from '../collect/api/collect-run.js';
import type { AttestConfig } from '../config/attest.js';
import type { StorageName } from '../config/defaults.js';
import { AttestError, reasonOf } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { ServiceAccountCredentials } from '../kube/registry-credentials.js';
import { log } from '../log.js';
import type { RegistryClient } from '../oci/client.js';
import type { Subject } from '../provenance/statement.js';
import { TEKTON_FORMAT } from '../provenance/tekton-format.js';
import type { Signer } from '../signing/types.js';
import {
  isAttestation,
  outcomeName,
  type SignedArtifact,
  type SignedAttestation,
  type StorageOutcome,
} from '../storage/backend.js';
import { FileStorage } from '../storage/file.js';
import { TektonStorage } from '../storage/tekton.js';
import { IMAGE_SIGNATURES, storeImageSignatures } from './image-signatures.js';
import { openRegistry } from './registry.js';

export interface StorageContext {
  client: KubeClient;
  collected: CollectedRun;
  signer: Signer;
  /** Set when the run's signatures go to Rekor. */
  rekorUrl: string | undefined;
  /** The images to sign (image-signatures.ts): written to the registry whatever `--storage` says. */
  images: readonly Subject[];
}

/**
 * Stores the attestation in every `--storage` backend, and the image signatures next to their images
 * (see image-signatures.ts). They write to different places (the API server, the registry, a directory):
 * side by side, the run waits for the slowest instead of their sum. Outcomes keep the --storage order, the
 * image signatures last; a failure is its own outcome, whatever the others do.
 */
export async function storeEverywhere(
  config: AttestConfig,
  context: StorageContext,
  attestation: SignedArtifact,
): Promise<StorageOutcome[]> {
  const needsRegistry = config.storage.includes('oci') || context.images.length > 0;
  const registry = needsRegistry ? await registryFor(config, context) : undefined;
  try {
    const writes = config.storage.map((name) =>
      store(name, () => writeTo(name, config, context, registry, attestation)),
    );
    if (context.images.length > 0) {
      writes.push(
        store(
          'oci',
          async () =>
            storeImageSignatures(
              await ociBackend(config, registry!),
              context.images,
              context.signer,
              context.rekorUrl,
            ),
          { artifact: IMAGE_SIGNATURES },
        ),
      );
    }
    return await Promise.all(writes);
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
    case 'oci':
      return (await ociBackend(config, registry!)).store(attestationFor(name, signed));
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

/** The `oci` backend in the `--oci-encoding` chosen; each encoding's code (the bundle one with @sigstore/bundle) is loaded only when chosen. */
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
 * One backend's attempt; a failure is an outcome, whatever the other backends do. `about` says what is
 * stored when it is not the PipelineRun's attestation: image signatures, or a TaskRun's own artifact.
 */
export async function store(
  name: StorageName,
  write: () => Promise<StorageOutcome>,
  about: Pick<StorageOutcome, 'artifact' | 'run'> = {},
): Promise<StorageOutcome> {
  const label = `${outcomeName({ backend: name, ...about })} storage`;
  try {
    const outcome = { ...(await write()), ...about };
    if (!outcome.ok) log.error(`${label} failed: ${outcome.detail ?? 'no reason given'}`);
    return outcome;
  } catch (error) {
    const reason = reasonOf(error);
    log.error(`${label} failed: ${reason}`);
    return {
      backend: name,
      ...about,
      ok: false,
      locations: [],
      detail: reason.split('\n')[0],
    };
  }
}
