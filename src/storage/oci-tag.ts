import { log } from '../log.js';
import {
  type Descriptor,
  digestOf,
  type FetchedManifest,
  fallbackTag,
  type ImageManifest,
  MEDIA_TYPES,
  parseJson,
  type RegistryClient,
  type RepositoryRef,
} from '../oci/client.js';
import { parseEnvelope } from '../signing/dsse.js';
import { verifySignature } from '../signing/key-signer.js';
import { publicKeyFromPem } from '../signing/pem-key.js';
import { REKOR_BUNDLE_ANNOTATION, rekorBundleAnnotation } from '../signing/rekor-bundle.js';
import { holdsSameAttestation } from '../signing/sign-statement.js';
import { assertImageSignaturesLoggable, logPayloadSignature } from '../signing/transparency.js';
import type { SignedAttestation, Signer } from '../signing/types.js';
import type { StorageBackend, StorageOutcome } from './backend.js';
import { type OciTarget, storeInTargets, type TargetWrite } from './oci-subjects.js';

/**
 * The `oci` backend in cosign's tag layout: each attestation is a layer of `<repo>:sha256-<hex>.att`, each
 * image signature a layer of `<repo>:sha256-<hex>.sig` (see docs/oci.md and the design's cosign-layout.md).
 */

export const COSIGN_ANNOTATIONS = {
  signature: 'dev.cosignproject.cosign/signature',
  bundle: REKOR_BUNDLE_ANNOTATION,
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  predicateType: 'predicateType',
} as const;
export const DSSE_LAYER_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

export interface OciTagStorageOptions {
  client: RegistryClient;
  /** `--oci-repository`: attach in this repository instead of each image's own. */
  repository?: RepositoryRef;
  /** `--sign-images`: also write `.sig` image signatures, signed with this signer. */
  imageSigner?: Signer;
  /**
   * Set when the attestation goes to Rekor (`transparencyWanted`): each `.sig` is logged there too, as
   * `cosign sign` does, and carries the entry in its `dev.sigstore.cosign/bundle` annotation.
   */
  rekorUrl?: string;
}

/** A layer to append: its bytes, media type and annotations, and how to recognise an equivalent one. */
interface LayerToAppend {
  bytes: Buffer;
  mediaType: string;
  annotations: Record<string, string>;
  /** True when `existing` (already in the tag) makes this layer redundant. */
  duplicates(existing: Descriptor, repo: RepositoryRef): Promise<boolean>;
}

export class OciTagStorage implements StorageBackend {
  readonly name = 'oci' as const;
  readonly #client: RegistryClient;
  readonly #override: RepositoryRef | undefined;
  readonly #imageSigner: Signer | undefined;
  readonly #rekorUrl: string | undefined;
  /** The first upload of each blob, per registry: later targets mount from where it went. */
  readonly #uploads = new Map<string, Promise<RepositoryRef | undefined>>();

  constructor(options: OciTagStorageOptions) {
    this.#client = options.client;
    this.#override = options.repository;
    this.#imageSigner = options.imageSigner;
    this.#rekorUrl = options.rekorUrl;
    if (options.rekorUrl && options.imageSigner) assertImageSignaturesLoggable(options.imageSigner);
  }

  store(attestation: SignedAttestation): Promise<StorageOutcome> {
    const attestationLayer = this.#attestationLayer(attestation);
    const signer = this.#imageSigner;
    return storeInTargets(attestation.statement, this.#override, async (target) => {
      // The .sig is signed (and logged) before either tag is written: a signing or Rekor failure leaves
      // the target untouched. `null`: an equivalent logged signature is stored already.
      const signature = signer ? await this.#signatureLayer(target, signer) : undefined;
      // The .att and .sig tags are independent: update them side by side (each waits a settle time).
      const [att, sig] = await Promise.all([
        this.#append(target, 'att', attestationLayer),
        signature === null
          ? this.#written(target, 'sig', false)
          : signature && this.#append(target, 'sig', signature),
      ]);
      return [att, sig].filter((written) => written !== undefined);
    });
  }

  async #append(target: OciTarget, kind: 'att' | 'sig', layer: LayerToAppend): Promise<TargetWrite> {
    const tag = `${fallbackTag(target.digest)}.${kind}`;
    const blob = await this.#pushBlob(target.store, layer.bytes);
    const added = await appendLayer(this.#client, target.store, tag, layer, blob);
    return this.#written(target, kind, added);
  }

  #written(target: OciTarget, kind: 'att' | 'sig', added: boolean): TargetWrite {
    const location = `${target.store.registry}/${target.store.repository}:${fallbackTag(target.digest)}.${kind}`;
    const what = kind === 'att' ? 'attestation' : 'signature';
    log.info(`oci: ${added ? 'wrote' : 'found existing'} ${what} ${location}`);
    return added ? { location } : { location, alreadyThere: `${location} already holds this ${what}` };
  }

  /**
   * The envelope goes to every subject's repository: it is uploaded once per registry, and the other
   * repositories mount it (targets are written concurrently, so they wait for that first upload).
   */
  async #pushBlob(repo: RepositoryRef, bytes: Buffer): Promise<{ digest: string; size: number }> {
    const key = `${repo.registry}|${digestOf(bytes)}`;
    const first = this.#uploads.get(key);
    if (!first) {
      const upload = this.#client.pushBlob(repo, bytes);
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
    return this.#client.pushBlob(repo, bytes, mountFrom ? { mountFrom } : {});
  }

  #attestationLayer(attestation: SignedAttestation): LayerToAppend {
    const annotations: Record<string, string> = {
      [COSIGN_ANNOTATIONS.signature]: '',
      [COSIGN_ANNOTATIONS.predicateType]: attestation.statement.predicateType,
    };
    if (attestation.tlogEntry)
      annotations[COSIGN_ANNOTATIONS.bundle] = rekorBundleAnnotation(attestation.tlogEntry);
    if (attestation.certificatePem) annotations[COSIGN_ANNOTATIONS.certificate] = attestation.certificatePem;
    if (attestation.chainPem) annotations[COSIGN_ANNOTATIONS.chain] = attestation.chainPem;
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
              return holdsSameAttestation(parseEnvelope(blob.toString('utf8'), existing.digest), attestation);
            },
            () => false,
          );
          verdicts.set(existing.digest, verdict);
        }
        return verdict;
      },
    };
  }

  /**
   * The target's `.sig` layer: the simple-signing payload, signed, and with `--rekor-url` logged as a
   * hashedrekord entry whose bundle annotation the layer carries. `null` when logging and the tag already
   * holds an equivalent logged signature: a re-run then neither logs a new entry nor writes.
   */
  async #signatureLayer(target: OciTarget, signer: Signer): Promise<LayerToAppend | null> {
    const bytes = Buffer.from(simpleSigningPayload(target), 'utf8');
    const signature = Buffer.from(await signer.sign(bytes)).toString('base64');
    const annotations: Record<string, string> = { [COSIGN_ANNOTATIONS.signature]: signature };
    const certificate = signer.certificatePem?.();
    const chain = signer.chainPem?.();
    if (certificate) annotations[COSIGN_ANNOTATIONS.certificate] = certificate;
    if (chain) annotations[COSIGN_ANNOTATIONS.chain] = chain;
    const publicKey = publicKeyFromPem(signer.publicKeyPem(), 'the image signing key');
    const rekorUrl = this.#rekorUrl;
    const layer: LayerToAppend = {
      bytes,
      mediaType: SIMPLESIGNING_MEDIA_TYPE,
      annotations,
      duplicates: async (existing) => {
        const sig = existing.annotations?.[COSIGN_ANNOTATIONS.signature];
        if (existing.digest !== digestOf(bytes) || !sig) return false;
        if (rekorUrl !== undefined && !isLogged(existing)) return false;
        return verifySignature(publicKey, bytes, Buffer.from(sig, 'base64'));
      },
    };
    if (rekorUrl === undefined) return layer;
    if (await this.#holds(target, 'sig', layer)) return null;
    const verifierPem = certificate ?? signer.publicKeyPem();
    const entry = await logPayloadSignature({ payload: bytes, signature, verifierPem }, rekorUrl);
    annotations[COSIGN_ANNOTATIONS.bundle] = rekorBundleAnnotation(entry);
    return layer;
  }

  /** Whether the tag already holds a layer equivalent to `layer` (read before anything is written). */
  async #holds(target: OciTarget, kind: 'att' | 'sig', layer: LayerToAppend): Promise<boolean> {
    const tag = `${fallbackTag(target.digest)}.${kind}`;
    const current = await this.#client.getManifest(target.store, tag);
    if (!current) return false;
    for (const existing of imageManifest(current, target.store, tag).layers) {
      if (await layer.duplicates(existing, target.store)) return true;
    }
    return false;
  }
}

/**
 * Whether a stored layer carries a Rekor entry. One without does not stand in for a logged layer: cosign
 * verifies only a logged one unless told `--insecure-ignore-tlog`, so a logged run adds its layer next to it.
 */
function isLogged(existing: Descriptor): boolean {
  return existing.annotations?.[COSIGN_ANNOTATIONS.bundle] !== undefined;
}

/**
 * The simple-signing payload cosign signs for an image, byte for byte as cosign's Go structs marshal it.
 * `docker-reference` is the image's repository even when signatures are stored elsewhere.
 */
function simpleSigningPayload(target: Pick<OciTarget, 'image' | 'digest'>): string {
  return JSON.stringify({
    critical: {
      identity: { 'docker-reference': `${target.image.registry}/${target.image.repository}` },
      image: { 'docker-manifest-digest': target.digest },
      type: 'cosign container image signature',
    },
    optional: null,
  });
}

/**
 * Appends `layer` to the image manifest at `tag` unless an equivalent layer is there, surviving concurrent
 * writers (see RegistryClient.updateTag). Returns whether this call added it.
 */
async function appendLayer(
  client: RegistryClient,
  repo: RepositoryRef,
  tag: string,
  layer: LayerToAppend,
  blob: { digest: string; size: number },
): Promise<boolean> {
  const descriptor: Descriptor = {
    mediaType: layer.mediaType,
    digest: blob.digest,
    size: blob.size,
    annotations: layer.annotations,
  };
  return client.updateTag(repo, tag, async (current) => {
    const manifest = current ? imageManifest(current, repo, tag) : undefined;
    for (const existing of manifest?.layers ?? []) {
      if (existing.digest === descriptor.digest && sameAnnotations(existing, descriptor)) return undefined;
      if (await layer.duplicates(existing, repo)) return undefined;
    }
    const layers = [...(manifest?.layers ?? []), descriptor];
    const config = Buffer.from(JSON.stringify(cosignConfig(layers)));
    const configBlob = await client.pushBlob(repo, config);
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
    return { bytes: Buffer.from(JSON.stringify(next)), mediaType: next.mediaType ?? MEDIA_TYPES.ociManifest };
  });
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
