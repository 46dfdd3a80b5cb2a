import { createHash } from 'node:crypto';
import { AttestError } from '../errors.js';
import { log } from '../log.js';
import {
  describeFailure,
  SIGSTORE_RETRY,
  SIGSTORE_TIMEOUT_MS,
  sigstoreFailure,
  unreachableHint,
} from './sigstore-http.js';
import type { InclusionProof, SignedAttestation, TlogEntry } from './types.js';

/** `--transparency` / Chains' `transparency.enabled`. */
export type TransparencyMode = 'false' | 'true' | 'manual';
/** In manual mode, only PipelineRuns annotated with this set to "true" are logged (as Chains does). */
export const TRANSPARENCY_UPLOAD_ANNOTATION = 'chains.tekton.dev/transparency-upload';

export function parseTransparencyMode(value: unknown): TransparencyMode {
  const text = value === undefined || value === '' ? 'false' : String(value).trim().toLowerCase();
  if (text === 'true' || text === 'false' || text === 'manual') return text;
  throw new AttestError('INVALID_ARGUMENT', `--transparency ${String(value)} is not a transparency mode`, {
    hint: 'use true, false or manual (manual: only runs annotated chains.tekton.dev/transparency-upload: "true")',
  });
}

/** Whether this run's attestation goes to Rekor. */
export function transparencyWanted(
  mode: TransparencyMode,
  pipelineRunAnnotations: Record<string, string> | undefined,
): boolean {
  if (mode === 'manual') return pipelineRunAnnotations?.[TRANSPARENCY_UPLOAD_ANNOTATION] === 'true';
  return mode === 'true';
}

/** What Rekor's v1 API answers for an entry (the fields used here). */
interface RekorEntry {
  uuid: string;
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification?: {
    signedEntryTimestamp?: string;
    inclusionProof?: InclusionProof;
  };
}

interface DsseBody {
  kind?: string;
  apiVersion?: string;
  spec?: {
    envelopeHash?: { algorithm?: string; value?: string };
    payloadHash?: { algorithm?: string; value?: string };
    signatures?: { signature?: string; verifier?: string }[];
  };
}

/**
 * Logs the attestation in Rekor as a `dsse` 0.0.1 entry whose envelope is exactly `envelopeJson` (the
 * stored layer bytes: cosign compares sha256(layer) with the entry's envelopeHash), then returns the
 * attestation with its `tlogEntry` and sigstore bundle. Retries are bounded; any failure is an
 * AttestError naming the Rekor URL, so no backend stores an attestation that claims a log entry it lacks.
 *
 * @sigstore/sign's RekorWitness re-serializes the envelope (different field order, keyid dropped), which
 * would break that byte identity, so its lower-level client is given the envelope string directly.
 */
export async function logAttestation(
  attestation: SignedAttestation,
  rekorUrl: string,
): Promise<SignedAttestation> {
  const base = rekorUrl.replace(/\/+$/, '');
  const verifier = attestation.certificatePem ?? attestation.publicKeyPem;
  const proposed = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      proposedContent: {
        envelope: attestation.envelopeJson,
        verifiers: [Buffer.from(verifier, 'utf8').toString('base64')],
      },
    },
  };
  // Loaded only when logging: @sigstore/sign's HTTP stack is most of the bundle's size and start-up time.
  // A CommonJS module's exports are the `default` of its dynamic import (in Node and in the bundle alike).
  const [tlog, { toSigstoreBundle }] = await Promise.all([
    import('@sigstore/sign/dist/witness/tlog/client.js'),
    import('./sigstore-bundle.js'),
  ]);
  const { TLogClient } = tlog.default;
  const client = new TLogClient({ rekorBaseURL: base, retry: SIGSTORE_RETRY, timeout: SIGSTORE_TIMEOUT_MS });
  let entry: RekorEntry;
  try {
    // A 409 (the same entry was logged before, e.g. a retried request) is answered with that entry.
    entry = (await client.createEntry(proposed)) as RekorEntry;
  } catch (error) {
    const failure = sigstoreFailure(error);
    const refused =
      failure.status !== undefined && failure.status < 500 && ![408, 429].includes(failure.status);
    throw new AttestError('TRANSPARENCY', `Rekor at ${base} ${describeFailure(failure)}`, {
      cause: error,
      hint: refused
        ? 'Rekor refused the entry; check --rekor-url (Chains: transparency.url) points at a Rekor v1 API. Nothing was stored'
        : `${unreachableHint(failure, base, '--rekor-url (Chains: transparency.url)')}. Use --transparency false to sign without the log`,
    });
  }
  const tlogEntry = checkEntry(entry, attestation, base);
  log.debug(`Rekor at ${base} logged the attestation at index ${tlogEntry.logIndex}`);
  const logged: SignedAttestation = { ...attestation, tlogEntry };
  logged.sigstoreBundle = toSigstoreBundle(logged) as unknown as Record<string, unknown>;
  return logged;
}

/**
 * Checks the entry Rekor answered with is the one cosign will accept for these layer bytes: a dsse 0.0.1
 * body whose envelopeHash is sha256(envelopeJson), whose payloadHash is sha256(payload), which carries our
 * signature, and a signed entry timestamp (the `.att` bundle annotation needs it).
 */
function checkEntry(entry: RekorEntry, attestation: SignedAttestation, base: string): TlogEntry {
  const mismatch = (what: string) =>
    new AttestError('TRANSPARENCY', `Rekor at ${base} answered with an entry that ${what}`, {
      hint: 'check --rekor-url points at a Rekor v1 API; nothing was stored',
    });
  let body: DsseBody;
  try {
    body = JSON.parse(Buffer.from(entry.body, 'base64').toString('utf8')) as DsseBody;
  } catch {
    throw mismatch('has no readable body');
  }
  if (body.kind !== 'dsse' || body.apiVersion !== '0.0.1') {
    throw mismatch(`is a ${String(body.kind)} ${String(body.apiVersion)} entry, not dsse 0.0.1`);
  }
  const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
  if (body.spec?.envelopeHash?.value !== sha256(attestation.envelopeJson)) {
    throw mismatch('does not hash the stored envelope bytes (cosign would reject it)');
  }
  if (body.spec.payloadHash?.value !== sha256(attestation.payload)) {
    throw mismatch('does not hash the statement');
  }
  const signatures = new Set(attestation.envelope.signatures.map((s) => s.sig));
  if (!body.spec.signatures?.some((s) => s.signature !== undefined && signatures.has(s.signature))) {
    throw mismatch('does not carry the envelope signature');
  }
  const signedEntryTimestamp = entry.verification?.signedEntryTimestamp;
  if (!signedEntryTimestamp) throw mismatch('has no signed entry timestamp');
  const tlogEntry: TlogEntry = {
    logIndex: entry.logIndex,
    logId: entry.logID,
    integratedTime: entry.integratedTime,
    signedEntryTimestamp,
    body: entry.body,
    url: `${base}/api/v1/log/entries?logIndex=${entry.logIndex}`,
  };
  const proof = entry.verification?.inclusionProof;
  if (proof) {
    tlogEntry.inclusionProof = {
      logIndex: Number(proof.logIndex),
      treeSize: Number(proof.treeSize),
      rootHash: proof.rootHash,
      hashes: proof.hashes ?? [],
      checkpoint: proof.checkpoint,
    };
  }
  return tlogEntry;
}
