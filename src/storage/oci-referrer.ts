import { reasonOf } from '../errors.js';
import { log } from '../log.js';
import {
  type Descriptor,
  digestOf,
  type ImageManifest,
  MEDIA_TYPES,
  parseJson,
  type RegistryClient,
  type RepositoryRef,
} from '../oci/client.js';
import { STATEMENT_V1, type Statement } from '../provenance/statement.js';
import { holdsSameAttestation, signStatement } from '../signing/sign-statement.js';
import { toSigstoreBundle } from '../signing/sigstore-bundle.js';
import { logAttestation } from '../signing/transparency.js';
import type { Envelope, SignedAttestation, Signer } from '../signing/types.js';
import type { StorageBackend, StorageOutcome } from './backend.js';
import { type OciTarget, storeInTargets, type TargetWrite } from './oci-subjects.js';

/**
 * The `oci` backend with encoding `sigstore-bundle`: an OCI 1.1 referrer per attestation holding a sigstore
 * bundle v0.3, laid out as cosign v3 writes it (`cosign attest --new-bundle-format`); on registries without
 * the referrers API the fallback index `sha256-<hex>` lists it.
 */

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const BUNDLE_ANNOTATIONS = {
  content: 'dev.sigstore.bundle.content',
  predicateType: 'dev.sigstore.bundle.predicateType',
  created: 'org.opencontainers.image.created',
} as const;
/** What cosign v3 signs (as an in-toto statement) when it signs an image in the bundle format. */
const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
const EMPTY_CONFIG = Buffer.from('{}');

export interface OciReferrerStorageOptions {
  client: RegistryClient;
  /** `--oci-repository` */
  repository?: RepositoryRef;
  /** `--sign-images`: also write an image signature bundle (cosign v3's `sign` layout). */
  imageSigner?: Signer;
  /** Set when the attestation goes to Rekor: the image signature bundle is logged there too. */
  rekorUrl?: string;
  /** Clock for `org.opencontainers.image.created` (tests pin it). */
  now?: () => Date;
}

export class OciReferrerStorage implements StorageBackend {
  readonly name = 'oci' as const;
  readonly #client: RegistryClient;
  readonly #override: RepositoryRef | undefined;
  readonly #imageSigner: Signer | undefined;
  readonly #rekorUrl: string | undefined;
  readonly #now: () => Date;

  constructor(options: OciReferrerStorageOptions) {
    this.#client = options.client;
    this.#override = options.repository;
    this.#imageSigner = options.imageSigner;
    this.#rekorUrl = options.rekorUrl;
    this.#now = options.now ?? (() => new Date());
  }

  store(attestation: SignedAttestation): Promise<StorageOutcome> {
    return storeInTargets(attestation.statement, this.#override, async (target) => {
      const items = [attestation];
      // Signed and logged before anything is written: a Rekor failure leaves the target untouched.
      if (this.#imageSigner) {
        const signature = await imageSignature(target, this.#imageSigner);
        items.push(this.#rekorUrl ? await logAttestation(signature, this.#rekorUrl) : signature);
      }
      const written: TargetWrite[] = [];
      for (const item of items) written.push(await this.#attach(target, item));
      return written;
    });
  }

  async #attach(target: OciTarget, item: SignedAttestation): Promise<TargetWrite> {
    const { store } = target;
    const existing = await this.#findExisting(target, item);
    if (existing) {
      log.info(`oci: found existing bundle ${existing}`);
      const image = `${target.image.registry}/${target.image.repository}@${target.digest}`;
      return {
        location: existing,
        alreadyThere: `${image} already has this ${item.statement.predicateType} bundle`,
      };
    }
    const subject = await this.#client.resolveDigest(target.image, target.digest);
    const bundle = item.sigstoreBundle ?? toSigstoreBundle(item);
    if (bundle.mediaType !== BUNDLE_MEDIA_TYPE) {
      log.warn(
        `oci: the sigstore bundle is ${String(bundle.mediaType)}; cosign v3 only reads ${BUNDLE_MEDIA_TYPE} from referrers`,
      );
    }
    const bundleBytes = Buffer.from(JSON.stringify(bundle));
    await this.#client.pushBlob(store, EMPTY_CONFIG);
    const layer = await this.#client.pushBlob(store, bundleBytes);
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
  async #findExisting(target: OciTarget, item: SignedAttestation): Promise<string | undefined> {
    const { store } = target;
    const { descriptors } = await this.#client.referrers(store, target.digest, BUNDLE_MEDIA_TYPE);
    for (const descriptor of descriptors) {
      const type = descriptor.annotations?.[BUNDLE_ANNOTATIONS.predicateType];
      if (type !== undefined && type !== item.statement.predicateType) continue;
      try {
        const fetched = await this.#client.getManifest(store, descriptor.digest);
        if (!fetched) continue;
        const manifest = parseJson<ImageManifest>(fetched.bytes, descriptor.digest);
        const layer = manifest.layers?.[0];
        if (
          !layer ||
          manifest.annotations?.[BUNDLE_ANNOTATIONS.predicateType] !== item.statement.predicateType
        ) {
          continue;
        }
        const bundle = parseJson<{
          dsseEnvelope?: Envelope;
          verificationMaterial?: { tlogEntries?: unknown[] };
        }>(await this.#client.getBlob(store, layer.digest), layer.digest);
        const envelope = bundle.dsseEnvelope;
        // An unlogged bundle does not stand in for a logged one (verifiers require the entry by default).
        if (item.tlogEntry && !bundle.verificationMaterial?.tlogEntries?.length) continue;
        if (envelope && holdsSameAttestation(envelope, item)) {
          return `${store.registry}/${store.repository}@${descriptor.digest}`;
        }
      } catch (error) {
        log.debug(`oci: ignoring unreadable referrer ${descriptor.digest}: ${reasonOf(error)}`);
      }
    }
    return undefined;
  }
}

/** cosign v3's image signature: an in-toto statement about the digest, predicate `cosign/sign/v1`. */
async function imageSignature(target: OciTarget, signer: Signer): Promise<SignedAttestation> {
  const [algorithm = 'sha256', hex = ''] = target.digest.split(':');
  const statement: Statement = {
    _type: STATEMENT_V1,
    subject: [{ name: `${target.image.registry}/${target.image.repository}`, digest: { [algorithm]: hex } }],
    predicateType: COSIGN_SIGN_PREDICATE_TYPE,
    predicate: {},
  };
  return signStatement(statement, signer, Buffer.from(JSON.stringify(statement)));
}
