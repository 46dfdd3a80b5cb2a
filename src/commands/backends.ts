import { join } from 'node:path';
import type { CollectedRun } from '../collect/api/collect-run.js';
import type { AttestConfig } from '../config/attest.js';
import type { StorageName } from '../config/defaults.js';
import { AttestError, reasonOf } from '../errors.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
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
  /** The run's one registry client (sharedRegistry): every write to a registry goes through it. */
  registry: SharedRegistry;
}

/** What one artifact is about: the PipelineRun, or (TaskRun-level artifacts) one of its TaskRuns. */
export interface RunObject {
  kind: 'PipelineRun' | 'TaskRun';
  name: string;
  uid: string;
  /** The object as collected, when it cannot have changed since but for annotations (see TektonStorage). */
  read?: KubeObject;
}

/** `file` storage keeps TaskRun artifacts in this sub-directory: no TaskRun file can take a PipelineRun file's name. */
const TASK_RUN_FILES_DIR = 'taskruns';

export interface SharedRegistry {
  get(): Promise<RegistryClient>;
  close(): Promise<void>;
}

/**
 * One registry client for all of a run's writes, opened on first use: the PipelineRun's attestation, the
 * image signatures and the TaskRuns' attestations share its credentials, tokens and connections.
 */
export function sharedRegistry(open: () => Promise<RegistryClient>): SharedRegistry {
  let client: Promise<RegistryClient> | undefined;
  return {
    get: () => {
      client ??= open();
      return client;
    },
    close: async () => {
      await client?.then(
        (opened) => opened.close(),
        () => undefined,
      );
    },
  };
}

/**
 * Stores the attestation in every `--storage` backend, and the image signatures next to their images
 * (see image-signatures.ts). They write to different places (the API server, the registry, a directory):
 * side by side, the run waits for the slowest instead of their sum. Outcomes keep the --storage order, the
 * image signatures last; a failure is its own outcome, whatever the others do.
 */
export function storeEverywhere(
  config: AttestConfig,
  context: StorageContext,
  attestation: SignedArtifact,
  images: { subjects: readonly Subject[]; rekorUrl: string | undefined },
): Promise<StorageOutcome[]> {
  const { collected } = context;
  const pipelineRun: RunObject = {
    kind: 'PipelineRun',
    name: collected.target.pipelineRun,
    uid: collected.pipelineRun.metadata.uid ?? '',
  };
  const writes = config.storage.map((name) =>
    store(name, () => writeTo(name, pipelineRun, attestation, config, context)),
  );
  if (images.subjects.length > 0) {
    writes.push(
      store(
        'oci',
        async () =>
          storeImageSignatures(
            await ociBackend(config, await context.registry.get()),
            images.subjects,
            context.signer,
            images.rekorUrl,
          ),
        { artifact: IMAGE_SIGNATURES },
      ),
    );
  }
  return Promise.all(writes);
}

/** Registry access with the pipeline's own credentials: docker configs, then (opt-in) the SA's secrets. */
export function registryFor(
  config: AttestConfig,
  client: KubeClient,
  collected: CollectedRun,
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

/**
 * One backend's write of `object`'s signed artifact, its code loaded only when it is used. oci stores it
 * next to the statement's subjects: the images the run (or that TaskRun) built.
 */
export async function writeTo(
  name: StorageName,
  object: RunObject,
  signed: SignedArtifact,
  config: AttestConfig,
  context: Pick<StorageContext, 'client' | 'collected' | 'registry'>,
): Promise<StorageOutcome> {
  switch (name) {
    case 'tekton':
      return new TektonStorage({
        client: context.client,
        version: context.collected.version,
        kind: object.kind,
        namespace: context.collected.target.namespace,
        name: object.name,
        uid: object.uid,
        markSigned: config.markSigned,
        ...(object.read ? { read: object.read } : {}),
      }).store(signed);
    case 'file': {
      const dir = object.kind === 'TaskRun' ? join(config.outputDir!, TASK_RUN_FILES_DIR) : config.outputDir!;
      return new FileStorage(dir, object.name).store(attestationFor(name, signed));
    }
    case 'oci':
      return (await ociBackend(config, await context.registry.get())).store(attestationFor(name, signed));
  }
}

/**
 * The attestation a DSSE-only backend (oci, file) stores. parseAttestConfig refuses the legacy `tekton`
 * format for them before anything runs; this keeps the promise for every caller.
 */
function attestationFor(backend: StorageName, signed: SignedArtifact): SignedAttestation {
  if (isAttestation(signed)) return signed;
  throw new AttestError('INVALID_ARGUMENT', `${backend} storage cannot hold the ${TEKTON_FORMAT} format`, {
    hint: `the ${TEKTON_FORMAT} format (a raw signature over the run's status) is kept in annotations only: use tekton storage`,
  });
}

/** The `oci` backend in the `--oci-encoding` chosen; each encoding's code (the bundle one with @sigstore/bundle) is loaded only when chosen. */
async function ociBackend(config: AttestConfig, registry: RegistryClient) {
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

/** The run fails when a backend did (`--best-effort`: a warning); the summary above says why. */
export function failOnStorage(outcomes: readonly StorageOutcome[], bestEffort: boolean): void {
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length === 0) return;
  const message = `${failed.length} of ${outcomes.length} storage backends failed: ${failed.map(outcomeName).join(', ')}`;
  if (bestEffort) {
    log.warn(`${message} (--best-effort: exiting 0)`);
    return;
  }
  const imageSignaturesFailed = failed.some((o) => o.artifact === IMAGE_SIGNATURES);
  throw new AttestError('STORAGE_FAILED', message, {
    hint:
      'see the summary above for each failure; --best-effort exits 0 despite failed backends' +
      (imageSignaturesFailed
        ? '. Image signatures are on by default and go to the registry whatever --storage says: give the task push access to the built images, or pass --sign-images=false'
        : ''),
  });
}
