import { AttestError, reasonOf } from '../errors.js';
import type { KubeClient, KubeObject, TektonVersion } from '../kube/client.js';
import { log } from '../log.js';
import { parseEnvelope } from '../signing/dsse.js';
import { holdsSameBlob, holdsSamePayload } from '../signing/sign-payload.js';
import { isAttestation, type SignedArtifact, type StorageBackend, type StorageOutcome } from './backend.js';

/** Kubernetes' limit on the total size of an object's annotations (keys + values, in bytes). */
export const ANNOTATIONS_LIMIT_BYTES = 256 * 1024;
const PREFIX = 'chains.tekton.dev/';
export const SIGNED_ANNOTATION = `${PREFIX}signed`;
export const TRANSPARENCY_ANNOTATION = `${PREFIX}transparency`;
/** Re-reads after a 409 before giving up. */
const CONFLICT_ATTEMPTS = 5;

/** The runs Chains annotates: a PipelineRun (`artifacts.pipelinerun.*`) or a TaskRun (`artifacts.taskrun.*`). */
export type AnnotatedKind = 'PipelineRun' | 'TaskRun';

export interface TektonStorageOptions {
  client: KubeClient;
  version: TektonVersion;
  kind: AnnotatedKind;
  namespace: string;
  name: string;
  uid: string;
  /** Also write `chains.tekton.dev/signed: "true"` (a Chains controller then leaves the run alone). */
  markSigned: boolean;
  /**
   * The object as this run already read it (a finished TaskRun, which nothing but annotations writers
   * changes): the first attempt patches against its resourceVersion instead of reading it again; a 409
   * re-reads as always.
   */
  read?: KubeObject;
}

/** Chains' annotation keys for a run's artifact: `<prefix>payload-pipelinerun-<uid>`, `...-taskrun-<uid>`, etc. */
export function chainsAnnotationKeys(
  kind: AnnotatedKind,
  uid: string,
): {
  payload: string;
  signature: string;
  cert: string;
  chain: string;
} {
  const shortKey = `${kind.toLowerCase()}-${uid}`;
  return {
    payload: `${PREFIX}payload-${shortKey}`,
    signature: `${PREFIX}signature-${shortKey}`,
    cert: `${PREFIX}cert-${shortKey}`,
    chain: `${PREFIX}chain-${shortKey}`,
  };
}

/**
 * The annotations Chains' tekton storage writes, base64 as Chains encodes them: the signature annotation is
 * base64 of the envelope JSON (in-toto formats), or of the raw signature bytes (the legacy `tekton` format,
 * as Chains v0.14 stored it; a SignedBlob's `signature` is that base64 already).
 */
function chainsAnnotations(
  signed: SignedArtifact,
  keys: ReturnType<typeof chainsAnnotationKeys>,
  markSigned: boolean,
): Record<string, string> {
  const b64 = (value: string | Uint8Array) => Buffer.from(value).toString('base64');
  const annotations: Record<string, string> = {
    [keys.payload]: b64(signed.payload),
    [keys.signature]: isAttestation(signed) ? b64(signed.envelopeJson) : signed.signature,
    [keys.cert]: b64(signed.certificatePem ?? ''),
    [keys.chain]: b64(signed.chainPem ?? ''),
  };
  if (signed.tlogEntry) annotations[TRANSPARENCY_ANNOTATION] = signed.tlogEntry.url;
  if (markSigned) annotations[SIGNED_ANNOTATION] = 'true';
  return annotations;
}

/** Total annotation size as the API server's validation counts it. */
export function annotationsSize(annotations: Record<string, string>): number {
  return Object.entries(annotations).reduce(
    (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
}

/**
 * `tekton` storage: Chains' annotations on the PipelineRun or a TaskRun, written with one JSON merge patch
 * guarded by the resourceVersion that was read (a 409 re-reads and re-applies). The size is checked before
 * patching. A re-run whose payload is already there, signed by the same key, changes nothing.
 */
export class TektonStorage implements StorageBackend {
  readonly name = 'tekton' as const;

  constructor(private readonly options: TektonStorageOptions) {}

  async store(signed: SignedArtifact): Promise<StorageOutcome> {
    const { client, version, kind, namespace, name } = this.options;
    const plural = `${kind.toLowerCase()}s`;
    const location = `${kind} ${namespace}/${name} annotations`;
    for (let attempt = 1; ; attempt++) {
      const current =
        attempt === 1 && this.options.read
          ? this.options.read
          : await client.getTekton(version, plural, namespace, name);
      const existing = annotationsOf(current);
      const changes = this.changes(signed, existing);
      if (Object.keys(changes).length === 0) {
        log.info(`tekton: ${location} already hold this attestation; nothing to write`);
        return { backend: this.name, ok: true, locations: [location], detail: 'already stored, unchanged' };
      }
      const size = annotationsSize({ ...existing, ...changes });
      if (size > ANNOTATIONS_LIMIT_BYTES) return this.tooLarge(location, size, annotationsSize(changes));
      try {
        await client.mergePatchTekton(version, plural, namespace, name, {
          metadata: { resourceVersion: resourceVersionOf(current), annotations: changes },
        });
        return { backend: this.name, ok: true, locations: [location] };
      } catch (error) {
        if (!(error instanceof AttestError) || error.code !== 'KUBE_CONFLICT' || attempt >= CONFLICT_ATTEMPTS)
          throw error;
        log.info(
          `tekton: ${kind} ${namespace}/${name} changed while writing; re-reading (attempt ${attempt + 1})`,
        );
      }
    }
  }

  /**
   * The annotations to write. When the stored payload is this payload and its stored envelope verifies
   * with this key, the stored signature (and cert/chain) stay: a re-run must not churn the object.
   */
  private changes(signed: SignedArtifact, existing: Record<string, string>): Record<string, string> {
    const { kind, uid, markSigned } = this.options;
    const keys = chainsAnnotationKeys(kind, uid);
    const desired = chainsAnnotations(signed, keys, markSigned);
    const storedWasLogged = existing[TRANSPARENCY_ANNOTATION] !== undefined;
    // The transparency annotation must describe the stored envelope: reusing an unlogged stored signature
    // while this run logged a new envelope would point the annotation at bytes that are not on the object.
    if (
      existing[keys.payload] === desired[keys.payload] &&
      (storedWasLogged || !signed.tlogEntry) &&
      this.storedSignatureHolds(signed, existing[keys.signature])
    ) {
      for (const key of [keys.signature, keys.cert, keys.chain]) {
        if (existing[key] !== undefined) desired[key] = existing[key];
      }
      if (storedWasLogged) delete desired[TRANSPARENCY_ANNOTATION];
    }
    return Object.fromEntries(Object.entries(desired).filter(([key, value]) => existing[key] !== value));
  }

  private storedSignatureHolds(signed: SignedArtifact, stored: string | undefined): boolean {
    if (!stored) return false;
    if (!isAttestation(signed)) return holdsSameBlob(stored, signed.payload, signed.publicKeyPem);
    try {
      const envelope = parseEnvelope(
        Buffer.from(stored, 'base64').toString('utf8'),
        'the stored signature annotation',
      );
      return holdsSamePayload(envelope, signed.payload, signed.publicKeyPem);
    } catch (error) {
      log.debug(`tekton: stored signature annotation not reusable: ${reasonOf(error)}`);
      return false;
    }
  }

  private tooLarge(location: string, total: number, ours: number): StorageOutcome {
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    return {
      backend: this.name,
      ok: false,
      locations: [],
      detail:
        `not written: ${location} would total ${kib(total)} (this attestation ${kib(ours)}), over Kubernetes' ` +
        `${kib(ANNOTATIONS_LIMIT_BYTES)} limit; store large provenance in the registry instead ` +
        `(${this.options.kind === 'TaskRun' ? '--taskrun-storage' : '--storage'} oci)`,
    };
  }
}

function annotationsOf(object: KubeObject): Record<string, string> {
  const annotations = (object.metadata as { annotations?: unknown } | undefined)?.annotations;
  return annotations && typeof annotations === 'object' ? { ...(annotations as Record<string, string>) } : {};
}

function resourceVersionOf(object: KubeObject): string | undefined {
  const value = (object.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
  return typeof value === 'string' ? value : undefined;
}
