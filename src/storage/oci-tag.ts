import { log } from '../log.js';
import type { RegistryClient } from '../oci/client.js';
import type { HeldManifest } from '../oci/tag-update.js';
import {
  type Descriptor,
  digestOf,
  type FetchedManifest,
  fallbackTag,
  type ImageManifest,
  MEDIA_TYPES,
  parseJson,
  type RepositoryRef,
} from '../oci/types.js';
import { SIMPLESIGNING_PAYLOAD_TYPE } from '../provenance/payloads.js';
import type { Subject } from '../provenance/statement.js';
import { parseEnvelope } from '../signing/dsse.js';
import { verifySignature } from '../signing/key-signer.js';
import { publicKeyFromPem } from '../signing/pem-key.js';
import { REKOR_BUNDLE_ANNOTATION, rekorBundleAnnotation } from '../signing/rekor-bundle.js';
import { holdsSamePayload } from '../signing/sign-payload.js';
import type { Envelope, SignedBlob } from '../signing/types.js';
import type { SignedAttestation, StorageOutcome } from './backend.js';
import {
  type ImageSignatures,
  type OciBackend,
  type OciTarget,
  ociTargets,
  preparedFor,
  type SignatureQuery,
  storeInTargets,
  type TargetWrite,
  unreadableExisting,
} from './oci-subjects.js';

/**
 * The `oci` backend in cosign's tag layout: each attestation is a layer of `<repo>:sha256-<hex>.att`, each
 * image signature a layer of `<repo>:sha256-<hex>.sig` (see docs/oci.md and the design's cosign-layout.md).
 * It writes signed values only: image signatures come signed (and logged) from the attest command.
 * Just over 300 lines: the layout (annotations, layers) and both tags' read-compare-write, which share it.
 */

export const COSIGN_ANNOTATIONS = {
  signature: 'dev.cosignproject.cosign/signature',
  bundle: REKOR_BUNDLE_ANNOTATION,
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  predicateType: 'predicateType',
} as const;
export const DSSE_LAYER_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

export interface OciTagStorageOptions {
  client: RegistryClient;
  /** `--oci-repository`: attach in this repository instead of each image's own. */
  repository?: RepositoryRef;
}

/** A layer to append: its bytes, media type and annotations, and how to recognise an equivalent one. */
interface LayerToAppend {
  bytes: Buffer;
  mediaType: string;
  annotations: Record<string, string>;
  /** True when `existing` (already in the tag) makes this layer redundant. */
  duplicates(existing: Descriptor, repo: RepositoryRef): Promise<boolean>;
}

export class OciTagStorage implements OciBackend<SignedBlob> {
  readonly name = 'oci' as const;
  readonly encoding = 'tag' as const;
  readonly #client: RegistryClient;
  readonly #override: RepositoryRef | undefined;
  /** Tags read by findImageSignature (by location), handed to the update that appends to them. */
  readonly #held = new Map<string, HeldManifest>();
  /** The first upload of each blob, per registry: later targets mount from where it went. */
  readonly #uploads = new Map<string, Promise<RepositoryRef | undefined>>();

  constructor(options: OciTagStorageOptions) {
    this.#client = options.client;
    this.#override = options.repository;
  }

  targets(subjects: readonly Subject[]): OciTarget[] {
    return ociTargets(subjects, this.#override).targets;
  }

  /** The attestation as a layer of each image subject's `.att`. */
  store(attestation: SignedAttestation): Promise<StorageOutcome> {
    const layer = this.#attestationLayer(attestation);
    return storeInTargets(attestation.statement.subject, this.#override, async (target) => [
      await this.#append(target, 'att', layer),
    ]);
  }

  /** Each image's `.sig` layer (see PreparedSignature): appended, or found there already. */
  storeImageSignatures(
    images: readonly Subject[],
    imageSignatures: ImageSignatures<SignedBlob>,
  ): Promise<StorageOutcome> {
    return storeInTargets(images, this.#override, async (target) => {
      const signature = preparedFor(imageSignatures, target);
      return [
        'stored' in signature
          ? this.#written(target, 'sig', false)
          : await this.#append(target, 'sig', this.#signatureLayer(signature.signed)),
      ];
    });
  }

  async findImageSignature(target: OciTarget, query: SignatureQuery): Promise<string | undefined> {
    const tag = `${fallbackTag(target.digest)}.sig`;
    const current = await this.#client.getManifest(target.store, tag);
    // Kept for the update that appends the new signature, which then need not read the tag again.
    this.#held.set(this.#location(target, 'sig'), { manifest: current });
    if (!current) return undefined;
    for (const existing of imageManifest(current, target.store, tag).layers) {
      if (equivalentSignature(existing, query)) return this.#location(target, 'sig');
    }
    return undefined;
  }

  async #append(target: OciTarget, kind: 'att' | 'sig', layer: LayerToAppend): Promise<TargetWrite> {
    const tag = `${fallbackTag(target.digest)}.${kind}`;
    const held = this.#held.get(this.#location(target, kind));
    this.#held.delete(this.#location(target, kind));
    const upload = this.#pushBlob(target.store, layer.bytes);
    // The layer's blob is uploaded while the tag is read; the manifest naming it is written after both.
    const [added] = await Promise.all([
      appendLayer(this.#client, target.store, tag, layer, upload, held),
      upload,
    ]);
    return this.#written(target, kind, added);
  }

  #location(target: OciTarget, kind: 'att' | 'sig'): string {
    return `${target.store.registry}/${target.store.repository}:${fallbackTag(target.digest)}.${kind}`;
  }

  #written(target: OciTarget, kind: 'att' | 'sig', added: boolean): TargetWrite {
    const location = this.#location(target, kind);
    const what = kind === 'att' ? 'attestation' : 'signature';
    log.info(`oci: ${added ? 'wrote' : 'found existing'} ${what} ${location}`);
    return added ? { location } : { location, alreadyThere: `${location} already holds this ${what}` };
  }

  /**
   * The envelope goes to every subject's repository: it is uploaded once per registry, and the other
   * repositories mount it (targets are written concurrently, so they wait for that first upload). A layer
   * is new content (a fresh signature; a simple-signing payload no equivalent signature holds yet), so the
   * registry is not asked first whether it has the blob.
   */
  async #pushBlob(repo: RepositoryRef, bytes: Buffer): Promise<{ digest: string; size: number }> {
    const key = `${repo.registry}|${digestOf(bytes)}`;
    const first = this.#uploads.get(key);
    if (!first) {
      const upload = this.#client.pushBlob(repo, bytes, { expectNew: true });
      // A failed first upload is reported by its own target; the others then upload instead of mounting.
      this.#uploads.set(
        key,
        upload.then(
          () => repo,
          () => undefined,
        ),
      );
      return upload;
    }
    const mountFrom = await first;
    return this.#client.pushBlob(repo, bytes, { expectNew: true, ...(mountFrom ? { mountFrom } : {}) });
  }

  #attestationLayer(attestation: SignedAttestation): LayerToAppend {
    const annotations: Record<string, string> = {
      [COSIGN_ANNOTATIONS.signature]: '',
      [COSIGN_ANNOTATIONS.predicateType]: attestation.statement.predicateType,
      ...logAnnotation(attestation),
      ...certificateAnnotations(attestation),
    };
    const bytes = Buffer.from(attestation.envelopeJson, 'utf8');
    const verdicts = new Map<string, Promise<boolean>>();
    return {
      bytes,
      mediaType: DSSE_LAYER_MEDIA_TYPE,
      annotations,
      duplicates: (existing, repo) => {
        if (existing.mediaType !== DSSE_LAYER_MEDIA_TYPE) return Promise.resolve(false);
        if (attestation.tlogEntry && !isLogged(existing)) return Promise.resolve(false);
        const type = existing.annotations?.[COSIGN_ANNOTATIONS.predicateType];
        if (type !== undefined && type !== attestation.statement.predicateType) return Promise.resolve(false);
        let verdict = verdicts.get(existing.digest);
        if (!verdict) {
          verdict = this.#client.getBlob(repo, existing.digest).then(
            (blob) => {
              let stored: Envelope;
              try {
                stored = parseEnvelope(blob.toString('utf8'), existing.digest);
              } catch {
                return false; // Readable but not an envelope: whatever it is, it is not ours.
              }
              return holdsSamePayload(stored, attestation.payload, attestation.publicKeyPem);
            },
            (error: unknown) => {
              throw unreadableExisting(repo, `its layer ${existing.digest}`, error);
            },
          );
          verdicts.set(existing.digest, verdict);
        }
        return verdict;
      },
    };
  }

  /** The target's `.sig` layer: the simple-signing payload, its signature, and its Rekor entry if logged. */
  #signatureLayer(signed: SignedBlob): LayerToAppend {
    const query = { payload: signed.payload, publicKeyPem: signed.publicKeyPem, logged: !!signed.tlogEntry };
    return {
      bytes: Buffer.from(signed.payload),
      mediaType: SIMPLESIGNING_PAYLOAD_TYPE,
      annotations: {
        [COSIGN_ANNOTATIONS.signature]: signed.signature,
        ...certificateAnnotations(signed),
        ...logAnnotation(signed),
      },
      duplicates: async (existing) => equivalentSignature(existing, query),
    };
  }
}

/** The keyless certificate and chain (each layer keeps its annotation order: stored layers compare exactly). */
function certificateAnnotations(signed: SignedAttestation | SignedBlob): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (signed.certificatePem) annotations[COSIGN_ANNOTATIONS.certificate] = signed.certificatePem;
  if (signed.chainPem) annotations[COSIGN_ANNOTATIONS.chain] = signed.chainPem;
  return annotations;
}

/** The Rekor entry annotation, when the signature was logged. */
function logAnnotation(signed: SignedAttestation | SignedBlob): Record<string, string> {
  return signed.tlogEntry ? { [COSIGN_ANNOTATIONS.bundle]: rekorBundleAnnotation(signed.tlogEntry) } : {};
}

/** Whether a stored `.sig` layer is the payload signed by the key (and logged, when that is asked). */
function equivalentSignature(existing: Descriptor, query: SignatureQuery): boolean {
  const signature = existing.annotations?.[COSIGN_ANNOTATIONS.signature];
  if (existing.digest !== digestOf(query.payload) || !signature) return false;
  if (query.logged && !isLogged(existing)) return false;
  const publicKey = publicKeyFromPem(query.publicKeyPem, 'the image signing key');
  return verifySignature(publicKey, query.payload, Buffer.from(signature, 'base64'));
}

/**
 * Whether a stored layer carries a Rekor entry. One without does not stand in for a logged layer: cosign
 * verifies only a logged one unless told `--insecure-ignore-tlog`, so a logged run adds its layer next to it.
 */
function isLogged(existing: Descriptor): boolean {
  return existing.annotations?.[COSIGN_ANNOTATIONS.bundle] !== undefined;
}

/**
 * Appends `layer` to the image manifest at `tag` unless an equivalent layer is there, surviving concurrent
 * writers (see RegistryClient.updateTag). `upload` is the layer's blob upload, under way: a manifest naming
 * the layer is written only once it is done; `held`: the tag as just read. Returns whether this call added it.
 */
async function appendLayer(
  client: RegistryClient,
  repo: RepositoryRef,
  tag: string,
  layer: LayerToAppend,
  upload: Promise<unknown>,
  held?: HeldManifest,
): Promise<boolean> {
  const descriptor: Descriptor = {
    mediaType: layer.mediaType,
    digest: digestOf(layer.bytes),
    size: layer.bytes.length,
    annotations: layer.annotations,
  };
  return client.updateTag(
    repo,
    tag,
    async (current) => {
      const manifest = current ? imageManifest(current, repo, tag) : undefined;
      for (const existing of manifest?.layers ?? []) {
        if (existing.digest === descriptor.digest && sameAnnotations(existing, descriptor)) return undefined;
        if (await layer.duplicates(existing, repo)) return undefined;
      }
      const layers = [...(manifest?.layers ?? []), descriptor];
      const config = Buffer.from(JSON.stringify(cosignConfig(layers)));
      // A config listing the new layer is new too; it uploads while the layer's upload finishes.
      const [configBlob] = await Promise.all([client.pushBlob(repo, config, { expectNew: true }), upload]);
      const next: ImageManifest = {
        schemaVersion: 2,
        mediaType: manifest?.mediaType ?? MEDIA_TYPES.ociManifest,
        config: {
          mediaType: manifest?.config.mediaType ?? MEDIA_TYPES.ociConfig,
          digest: configBlob.digest,
          size: configBlob.size,
        },
        layers,
      };
      if (manifest?.annotations) next.annotations = manifest.annotations;
      return {
        bytes: Buffer.from(JSON.stringify(next)),
        mediaType: next.mediaType ?? MEDIA_TYPES.ociManifest,
      };
    },
    held,
  );
}

function imageManifest(current: FetchedManifest, repo: RepositoryRef, tag: string): ImageManifest {
  const manifest = parseJson<ImageManifest>(current.bytes, `${repo.registry}/${repo.repository}:${tag}`);
  if (!Array.isArray(manifest.layers) || !manifest.config) {
    throw new Error(
      `${repo.registry}/${repo.repository}:${tag} is a ${current.mediaType}, not an image manifest; delete the tag or use --oci-repository`,
    );
  }
  if (!manifest.mediaType) manifest.mediaType = current.mediaType;
  return manifest;
}

function sameAnnotations(a: Descriptor, b: Descriptor): boolean {
  return JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {});
}

/** The image config cosign writes next to signature layers (cosign never reads it; other tools might). */
function cosignConfig(layers: Descriptor[]) {
  const zero = '0001-01-01T00:00:00Z';
  return {
    architecture: '',
    created: zero,
    history: layers.map(() => ({ created: zero })),
    os: '',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    config: {},
  };
}
