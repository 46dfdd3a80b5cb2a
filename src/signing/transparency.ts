import { createHash } from 'node:crypto';
import type { TransparencyMode } from '../config/attest.js';
import { AttestError } from '../errors.js';
import { log } from '../log.js';
import { publicKeyFromPem } from './pem-key.js';
import {
  describeFailure,
  SIGSTORE_RETRY,
  SIGSTORE_TIMEOUT_MS,
  sigstoreFailure,
  unreachableHint,
} from './sigstore-http.js';
import type { InclusionProof, SignedEnvelope, Signer, TlogEntry } from './types.js';

/** In manual mode, only PipelineRuns annotated with this set to "true" are logged (as Chains does). */
export const TRANSPARENCY_UPLOAD_ANNOTATION = 'chains.tekton.dev/transparency-upload';

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

interface HashValue {
  algorithm?: string;
  value?: string;
}

interface DsseBody {
  kind?: string;
  apiVersion?: string;
  spec?: {
    envelopeHash?: HashValue;
    payloadHash?: HashValue;
    signatures?: { signature?: string; verifier?: string }[];
  };
}

interface HashedRekordBody {
  kind?: string;
  apiVersion?: string;
  spec?: {
    data?: { hash?: HashValue };
    signature?: { content?: string; publicKey?: { content?: string } };
  };
}

/** A detached signature over a payload, as a cosign `.sig` layer holds it. */
export interface PayloadSignature {
  /** The signed bytes (the layer blob: the simple-signing payload). */
  payload: Uint8Array;
  /** base64 of the signature over `payload` (the layer's `dev.cosignproject.cosign/signature`). */
  signature: string;
  /** The Fulcio certificate (keyless) or the public key, PEM. */
  verifierPem: string;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Logs a signed envelope (an attestation, or cosign v3's image signature) in Rekor as a `dsse` 0.0.1 entry
 * whose envelope is exactly `envelopeJson` (the stored layer bytes: cosign compares sha256(layer) with the
 * entry's envelopeHash), then returns it with its `tlogEntry` and sigstore bundle. Retries are bounded; any failure is an
 * AttestError naming the Rekor URL, so no backend stores an attestation that claims a log entry it lacks.
 *
 * @sigstore/sign's RekorWitness re-serializes the envelope (different field order, keyid dropped), which
 * would break that byte identity, so its lower-level client is given the envelope string directly.
 */
export async function logEnvelope<T extends SignedEnvelope>(attestation: T, rekorUrl: string): Promise<T> {
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
  const [{ entry, base }, { toSigstoreBundle }] = await Promise.all([
    createEntry(proposed, rekorUrl),
    import('./sigstore-bundle.js'),
  ]);
  const tlogEntry = checkDsseEntry(entry, attestation, base);
  log.debug(`Rekor at ${base} logged the attestation at index ${tlogEntry.logIndex}`);
  const logged: T = { ...attestation, tlogEntry };
  logged.sigstoreBundle = toSigstoreBundle(logged) as unknown as Record<string, unknown>;
  return logged;
}

/**
 * Whether Rekor can log this signer's raw signatures (image signatures, the legacy `tekton` format): it
 * checks a `hashedrekord` signature over the sha256 digest (Ed25519ph for Ed25519 keys), which the plain
 * Ed25519 signature cosign verifies is not. Asked before anything is logged or written.
 */
export function rawSignaturesLoggable(signer: Pick<Signer, 'publicKeyPem'>): boolean {
  return publicKeyFromPem(signer.publicKeyPem(), 'the image signing key').asymmetricKeyType !== 'ed25519';
}

/**
 * Logs a cosign image signature (`.sig`) in Rekor as `cosign sign` does: a `hashedrekord` 0.0.1 entry of
 * sha256(payload), the signature and the verifier. The entry is what the layer's
 * `dev.sigstore.cosign/bundle` annotation carries; failures are AttestErrors naming the Rekor URL.
 */
export async function logPayloadSignature(signed: PayloadSignature, rekorUrl: string): Promise<TlogEntry> {
  const proposed = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: sha256(signed.payload) } },
      signature: {
        content: signed.signature,
        publicKey: { content: Buffer.from(signed.verifierPem, 'utf8').toString('base64') },
      },
    },
  };
  const { entry, base } = await createEntry(proposed, rekorUrl);
  const tlogEntry = checkHashedRekordEntry(entry, signed, base);
  log.debug(`Rekor at ${base} logged the image signature at index ${tlogEntry.logIndex}`);
  return tlogEntry;
}

/**
 * Proposes one entry to Rekor: the one client setup, retry policy and error mapping for every entry kind.
 * A 409 (the same entry was logged before, e.g. a retried request) is answered with that entry.
 */
async function createEntry(
  proposed: Record<string, unknown>,
  rekorUrl: string,
): Promise<{ entry: RekorEntry; base: string }> {
  const base = rekorUrl.replace(/\/+$/, '');
  // Loaded only when logging: @sigstore/sign's HTTP stack is most of the bundle's size and start-up time.
  // A CommonJS module's exports are the `default` of its dynamic import (in Node and in the bundle alike).
  const { TLogClient } = (await import('@sigstore/sign/dist/witness/tlog/client.js')).default;
  const client = new TLogClient({ rekorBaseURL: base, retry: SIGSTORE_RETRY, timeout: SIGSTORE_TIMEOUT_MS });
  try {
    const entry = (await client.createEntry(proposed)) as RekorEntry;
    return { entry, base };
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
}

/** The error for an answer cosign would not accept. */
function mismatch(base: string, what: string): AttestError {
  return new AttestError('TRANSPARENCY', `Rekor at ${base} answered with an entry that ${what}`, {
    hint: 'check --rekor-url points at a Rekor v1 API; nothing was stored',
  });
}

/** The entry's decoded body, checked to be of the expected kind and version. */
function bodyOf<T extends { kind?: string; apiVersion?: string }>(
  entry: RekorEntry,
  kind: string,
  base: string,
): T {
  let body: T;
  try {
    body = JSON.parse(Buffer.from(entry.body, 'base64').toString('utf8')) as T;
  } catch {
    throw mismatch(base, 'has no readable body');
  }
  if (body?.kind !== kind || body.apiVersion !== '0.0.1') {
    throw mismatch(base, `is a ${String(body?.kind)} ${String(body?.apiVersion)} entry, not ${kind} 0.0.1`);
  }
  return body;
}

/**
 * Checks the entry Rekor answered with is the one cosign will accept for these layer bytes: a dsse 0.0.1
 * body whose envelopeHash is sha256(envelopeJson), whose payloadHash is sha256(payload), which carries our
 * signature, and a signed entry timestamp (the `.att` bundle annotation needs it).
 */
function checkDsseEntry(entry: RekorEntry, attestation: SignedEnvelope, base: string): TlogEntry {
  const body = bodyOf<DsseBody>(entry, 'dsse', base);
  if (body.spec?.envelopeHash?.value !== sha256(attestation.envelopeJson)) {
    throw mismatch(base, 'does not hash the stored envelope bytes (cosign would reject it)');
  }
  if (body.spec.payloadHash?.value !== sha256(attestation.payload)) {
    throw mismatch(base, 'does not hash the statement');
  }
  const signatures = new Set(attestation.envelope.signatures.map((s) => s.sig));
  if (!body.spec.signatures?.some((s) => s.signature !== undefined && signatures.has(s.signature))) {
    throw mismatch(base, 'does not carry the envelope signature');
  }
  return toTlogEntry(entry, base);
}

/**
 * The same for a `.sig`: a hashedrekord 0.0.1 body of sha256(payload) carrying our signature (what cosign
 * compares with the layer), and a signed entry timestamp.
 */
function checkHashedRekordEntry(entry: RekorEntry, signed: PayloadSignature, base: string): TlogEntry {
  const body = bodyOf<HashedRekordBody>(entry, 'hashedrekord', base);
  const hash = body.spec?.data?.hash;
  if (hash?.algorithm !== 'sha256' || hash.value !== sha256(signed.payload)) {
    throw mismatch(base, 'does not hash the signed payload (cosign would reject it)');
  }
  if (body.spec?.signature?.content !== signed.signature) {
    throw mismatch(base, 'does not carry the image signature');
  }
  return toTlogEntry(entry, base);
}

/** What the layer annotation, the sigstore bundle and the summary need from an accepted entry. */
function toTlogEntry(entry: RekorEntry, base: string): TlogEntry {
  const signedEntryTimestamp = entry.verification?.signedEntryTimestamp;
  if (!signedEntryTimestamp) throw mismatch(base, 'has no signed entry timestamp');
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
