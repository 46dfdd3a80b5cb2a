import type { StorageName } from '../config/defaults.js';
import type { SignedAttestation } from '../signing/types.js';

export interface StorageOutcome {
  backend: StorageName;
  ok: boolean;
  /** Where it wrote (image tags, object names, files), for the summary and Task results. */
  locations: string[];
  /** Why it failed or what it skipped, in one actionable sentence. */
  detail?: string;
}

/** One place an attestation can be kept. Each backend lives in its own file in this folder. */
export interface StorageBackend {
  readonly name: StorageName;
  store(attestation: SignedAttestation): Promise<StorageOutcome>;
}
