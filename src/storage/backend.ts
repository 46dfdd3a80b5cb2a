import type { StorageName } from '../config/defaults.js';
import type { Statement } from '../provenance/statement.js';
import type { SignedEnvelope } from '../signing/types.js';

/** What every backend stores: the statement, signed (and logged, when it was). */
export interface SignedAttestation extends SignedEnvelope {
  statement: Statement;
}

export interface StorageOutcome {
  backend: StorageName;
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
