import type { StorageName } from '../config/defaults.js';
import type { Statement } from '../provenance/statement.js';
import type { SignedBlob, SignedEnvelope } from '../signing/types.js';

/** What every backend stores: the statement, signed (and logged, when it was). */
export interface SignedAttestation extends SignedEnvelope {
  statement: Statement;
}

/**
 * A run's signed artifact: an attestation (DSSE), or, for the legacy `tekton` format, a raw signature over
 * the run's status (which only the `tekton` backend stores).
 */
export type SignedArtifact = SignedAttestation | SignedBlob;

export function isAttestation(signed: SignedArtifact): signed is SignedAttestation {
  return 'statement' in signed;
}

export interface StorageOutcome {
  backend: StorageName;
  /** What was stored when it is not the run's attestation, e.g. `image signatures`. */
  artifact?: string;
  /** For a TaskRun's own artifact (`--taskrun-storage`): `TaskRun <name>`; unset for the PipelineRun's. */
  run?: string;
  ok: boolean;
  /** Where it wrote (image tags, object names, files), for the summary and Task results. */
  locations: string[];
  /** Why it failed or what it skipped, in one actionable sentence. */
  detail?: string;
}

/** One place an attestation can be kept. Each backend lives in its own file in this folder; none signs. */
export interface StorageBackend {
  readonly name: StorageName;
  store(attestation: SignedAttestation): Promise<StorageOutcome>;
}

/** `oci`, `oci (image signatures)`, `tekton (TaskRun build-x)`: an outcome as the summary and errors name it. */
export function outcomeName(outcome: Pick<StorageOutcome, 'backend' | 'artifact' | 'run'>): string {
  const what = outcome.run ?? outcome.artifact;
  return what ? `${outcome.backend} (${what})` : outcome.backend;
}
