import { log } from '../log.js';
import type { RegistryClient } from '../oci/client.js';
import {
  type Descriptor,
  digestOf,
  type ImageManifest,
  MEDIA_TYPES,
  parseJson,
  type RepositoryRef,
} from '../oci/types.js';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../provenance/payloads.js';
import type { Subject } from '../provenance/statement.js';
import { holdsSamePayload } from '../signing/sign-payload.js';
import { toSigstoreBundle } from '../signing/sigstore-bundle.js';
import type { Envelope } from '../signing/types.js';
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
 * The `oci` backend with encoding `sigstore-bundle`: an OCI 1.1 referrer per attestation holding a sigstore
 * bundle v0.3, laid out as cosign v3 writes it (`cosign attest --new-bundle-format`); on registries without
 * the referrers API the fallback index `sha256-<hex>` lists it. Image signatures (cosign v3's `sign` layout,
 * a `cosign/sign/v1` statement) come signed, and logged, from the attest command.
 */

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const BUNDLE_ANNOTATIONS = {
  content: 'dev.sigstore.bundle.content',
  predicateType: 'dev.sigstore.bundle.predicateType',
  created: 'org.opencontainers.image.created',
} as const;
const EMPTY_CONFIG = Buffer.from('{}');

export interface OciReferrerStorageOptions {
  client: RegistryClient;
  /** `--oci-repository` */
  repository?: RepositoryRef;
  /** Clock for `org.opencontainers.image.created` (tests pin it). */
  now?: () => Date;
}

export class OciReferrerStorage implements OciBackend<SignedAttestation> {
  readonly name = 'oci' as const;
  readonly encoding = 'sigstore-bundle' as const;
  readonly #client: RegistryClient;
  readonly #override: RepositoryRef | undefined;
  readonly #now: () => Date;

  constructor(options: OciReferrerStorageOptions) {
    this.#client = options.client;
    this.#override = options.repository;
    this.#now = options.now ?? (() => new Date());
  }

  targets(subjects: readonly Subject[]): OciTarget[] {
    return ociTargets(subjects, this.#override).targets;
  }

  /** The attestation as a referrer of each image subject. */
  store(attestation: SignedAttestation): Promise<StorageOutcome> {
    return storeInTargets(attestation.statement.subject, this.#override, async (target) => [
      await this.#attach(target, attestation),
    ]);
  }

  /** Each image's signed `cosign/sign/v1` statement as a referrer (see PreparedSignature). */
  storeImageSignatures(
    images: readonly Subject[],
    imageSignatures: ImageSignatures<SignedAttestation>,
  ): Promise<StorageOutcome> {
    return storeInTargets(images, this.#override, async (target) => {
      const signature = preparedFor(imageSignatures, target);
      return [
        'stored' in signature
          ? this.#foundExisting(target, signature.stored, COSIGN_SIGN_PREDICATE_TYPE)
          : await this.#attach(target, signature.signed),
      ];
    });
  }

  findImageSignature(target: OciTarget, query: SignatureQuery): Promise<string | undefined> {
    return this.#findExisting(target, COSIGN_SIGN_PREDICATE_TYPE, query);
  }

  #foundExisting(target: OciTarget, location: string, predicateType: string): TargetWrite {
    log.info(`oci: found existing bundle ${location}`);
    const image = `${target.image.registry}/${target.image.repository}@${target.digest}`;
    return { location, alreadyThere: `${image} already has this ${predicateType} bundle` };
  }

  async #attach(target: OciTarget, item: SignedAttestation): Promise<TargetWrite> {
    const { store } = target;
    const { predicateType } = item.statement;
    const query = { payload: item.payload, publicKeyPem: item.publicKeyPem, logged: !!item.tlogEntry };
    const existing = await this.#findExisting(target, predicateType, query);
    if (existing) return this.#foundExisting(target, existing, predicateType);
    const bundle = item.sigstoreBundle ?? toSigstoreBundle(item);
    if (bundle.mediaType !== BUNDLE_MEDIA_TYPE) {
      log.warn(
        `oci: the sigstore bundle is ${String(bundle.mediaType)}; cosign v3 only reads ${BUNDLE_MEDIA_TYPE} from referrers`,
      );
    }
    const bundleBytes = Buffer.from(JSON.stringify(bundle));
    // Independent requests, side by side: the subject's descriptor and both blobs (the bundle holds a fresh
    // signature: no need to ask whether it is there; the empty config usually is).
    const [subject, , layer] = await Promise.all([
      this.#client.resolveDigest(target.image, target.digest),
      this.#client.pushBlob(store, EMPTY_CONFIG),
      this.#client.pushBlob(store, bundleBytes, { expectNew: true }),
    ]);
    const annotations = {
      [BUNDLE_ANNOTATIONS.created]: this.#now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z'),
      [BUNDLE_ANNOTATIONS.content]: 'dsse-envelope',
      [BUNDLE_ANNOTATIONS.predicateType]: item.statement.predicateType,
    };
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: {
        mediaType: MEDIA_TYPES.ociEmpty,
        artifactType: BUNDLE_MEDIA_TYPE,
        digest: digestOf(EMPTY_CONFIG),
        size: EMPTY_CONFIG.length,
      },
      layers: [{ mediaType: BUNDLE_MEDIA_TYPE, digest: layer.digest, size: layer.size }],
      annotations,
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      artifactType: BUNDLE_MEDIA_TYPE,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const descriptor: Descriptor = {
      mediaType: MEDIA_TYPES.ociManifest,
      digest: digestOf(bytes),
      size: bytes.length,
      artifactType: BUNDLE_MEDIA_TYPE,
      annotations,
    };
    const pushed = await this.#client.pushReferrer(store, bytes, descriptor, target.digest);
    const location = `${store.registry}/${store.repository}@${pushed.digest}`;
    log.info(`oci: wrote bundle ${location} (listed in ${pushed.location})`);
    return { location };
  }

  /** A referrer already holding the same statement signed by the same key (re-runs add nothing). */
  async #findExisting(
    target: OciTarget,
    predicateType: string,
    query: SignatureQuery,
  ): Promise<string | undefined> {
    const { store } = target;
    const { descriptors } = await this.#client.referrers(store, target.digest, BUNDLE_MEDIA_TYPE);
    for (const descriptor of descriptors) {
      const type = descriptor.annotations?.[BUNDLE_ANNOTATIONS.predicateType];
      if (type !== undefined && type !== predicateType) continue;
      // Unreadable is not absent (that would add a copy on every re-run): registry failures are thrown.
      // Readable content that is not a bundle of this type is someone else's, and skipped.
      const fetched = await this.#client.getManifest(store, descriptor.digest).catch((error: unknown) => {
        throw unreadableExisting(store, `referrer ${descriptor.digest}`, error);
      });
      const manifest = fetched && parsedOrUndefined<ImageManifest>(fetched.bytes, descriptor.digest);
      const layer = manifest?.layers?.[0];
      if (!layer || manifest?.annotations?.[BUNDLE_ANNOTATIONS.predicateType] !== predicateType) continue;
      const bundle = parsedOrUndefined<{
        dsseEnvelope?: Envelope;
        verificationMaterial?: { tlogEntries?: unknown[] };
      }>(
        await this.#client.getBlob(store, layer.digest).catch((error: unknown) => {
          throw unreadableExisting(store, `bundle ${layer.digest}`, error);
        }),
        layer.digest,
      );
      const envelope = bundle?.dsseEnvelope;
      // An unlogged bundle does not stand in for a logged one (verifiers require the entry by default).
      if (query.logged && !bundle?.verificationMaterial?.tlogEntries?.length) continue;
      if (envelope && holdsSamePayload(envelope, query.payload, query.publicKeyPem)) {
        return `${store.registry}/${store.repository}@${descriptor.digest}`;
      }
    }
    return undefined;
  }
}

/** JSON from a registry that someone else may have written: undefined when it is not JSON. */
function parsedOrUndefined<T>(bytes: Uint8Array, what: string): T | undefined {
  try {
    return parseJson<T>(bytes, what);
  } catch {
    log.debug(`oci: ${what} is not JSON; not one of ours`);
    return undefined;
  }
}
