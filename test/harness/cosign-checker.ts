// An independent checker that walks a registry the way cosign does (every step of
// ../shared/design/cosign-layout.md), sharing no code with src/ (its own HTTP, PAE and parsing).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { OCI_INDEX, type RegistryAccess, RegistryHttp, sha256 } from './registry-http.js';

export const PREDICATE_ALIASES: Record<string, string> = {
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  custom: 'https://cosign.sigstore.dev/attestation/v1',
};

export interface CheckOptions {
  access: RegistryAccess;
  /** Repository path of the image, e.g. `team/app`. */
  repository: string;
  /** Tag or digest of the image. */
  reference: string;
  publicKeyPem: string;
  /** cosign --type: an alias or a predicate URI (attestations only). */
  type?: string;
  /** Where signatures live when not next to the image (COSIGN_REPOSITORY). */
  storeRepository?: string;
}

export interface LayerVerdict {
  digest: string;
  ok: boolean;
  reason?: string;
  statement?: Record<string, unknown>;
}

export interface CheckResult {
  imageDigest: string;
  layers: LayerVerdict[];
  verified: LayerVerdict[];
  /** Layer digests that appear more than once in the manifest. */
  duplicates: string[];
}

const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
const SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const STATEMENT_TYPES = ['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1'];
const STATEMENT_FIELDS = new Set(['_type', 'subject', 'predicateType', 'predicate']);

function pae(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
}

function verifyWith(publicKeyPem: string, data: Buffer, signature: Buffer): boolean {
  const key = createPublicKey(publicKeyPem);
  return verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key, signature);
}

/** A DSSE envelope's fields as found, each possibly missing (what is found is checked, not trusted). */
interface FoundEnvelope {
  payloadType?: string;
  payload?: string;
  signatures?: { sig?: string }[];
}

/** PAE over the payload, verified with the key's algorithm: whether some signature verifies with the key. */
function verifyEnvelope(
  envelope: FoundEnvelope,
  publicKeyPem: string,
): { verified: boolean; payload: Buffer } {
  const payload = Buffer.from(envelope.payload ?? '', 'base64');
  const data = pae(envelope.payloadType ?? '', payload);
  const verified = (envelope.signatures ?? []).some((s) =>
    verifyWith(publicKeyPem, data, Buffer.from(s.sig ?? '', 'base64')),
  );
  return { verified, payload };
}

/**
 * A DSSE envelope (JSON) checked as a verifier does, independently of tekton-attest's own code: PAE over the
 * payload, the key's algorithm. `verified`: some signature verifies with `publicKeyPem`.
 */
export function checkDsseEnvelope(
  envelopeJson: string,
  publicKeyPem: string,
): { verified: boolean; payloadType: string; payload: Buffer; payloadBase64: string } {
  const envelope = JSON.parse(envelopeJson) as FoundEnvelope;
  const { verified, payload } = verifyEnvelope(envelope, publicKeyPem);
  return {
    verified,
    payloadType: envelope.payloadType ?? '',
    payload,
    payloadBase64: envelope.payload ?? '',
  };
}

interface Layer {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

async function resolve(http: RegistryHttp, options: CheckOptions): Promise<string> {
  const found = await http.manifest(options.repository, options.reference);
  if (!found) throw new Error(`image ${options.repository}:${options.reference} not found`);
  return found.digest;
}

/** Checks an in-toto envelope (from a layer or a bundle) as cosign does after the signature annotation. */
function checkEnvelope(
  envelopeJson: unknown,
  imageDigest: string,
  options: CheckOptions,
): { ok: boolean; reason?: string; statement?: Record<string, unknown> } {
  const envelope = envelopeJson as FoundEnvelope;
  if (envelope.payloadType !== 'application/vnd.in-toto+json') {
    return { ok: false, reason: `payloadType ${envelope.payloadType}` };
  }
  const { verified, payload: body } = verifyEnvelope(envelope, options.publicKeyPem);
  if (!verified) return { ok: false, reason: 'no signature verifies with the key' };
  let statement: Record<string, unknown>;
  try {
    statement = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const unknown = Object.keys(statement).filter((k) => !STATEMENT_FIELDS.has(k));
  if (unknown.length > 0) return { ok: false, reason: `unknown statement fields ${unknown.join(',')}` };
  if (!STATEMENT_TYPES.includes(String(statement._type)))
    return { ok: false, reason: `_type ${statement._type}` };
  const hex = imageDigest.replace('sha256:', '');
  const subjects = statement.subject as { digest?: Record<string, string> }[] | undefined;
  if (!Array.isArray(subjects) || !subjects.some((s) => s.digest?.sha256 === hex)) {
    return { ok: false, reason: 'no subject has the image digest' };
  }
  const wanted = options.type ? (PREDICATE_ALIASES[options.type] ?? options.type) : undefined;
  if (wanted && statement.predicateType !== wanted) {
    return { ok: false, reason: `predicateType ${statement.predicateType} is not ${wanted}` };
  }
  return { ok: true, statement };
}

function duplicatesOf(layers: Layer[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const l of layers) {
    if (seen.has(l.digest)) dups.add(l.digest);
    seen.add(l.digest);
  }
  return [...dups];
}

async function signatureManifest(http: RegistryHttp, repo: string, tag: string): Promise<Layer[]> {
  const found = await http.manifest(repo, tag);
  if (!found) return [];
  const manifest = JSON.parse(found.bytes.toString('utf8')) as { config?: Layer; layers?: Layer[] };
  if (!manifest.config || !Array.isArray(manifest.layers))
    throw new Error(`${repo}:${tag} is not an image manifest`);
  return manifest.layers;
}

/** `cosign verify-attestation --key K --type T --insecure-ignore-tlog IMAGE`, step by step. */
export async function checkAttestations(options: CheckOptions): Promise<CheckResult> {
  const http = new RegistryHttp(options.access);
  const imageDigest = await resolve(http, options);
  const repo = options.storeRepository ?? options.repository;
  const layers = await signatureManifest(http, repo, `${imageDigest.replace(':', '-')}.att`);
  const verdicts: LayerVerdict[] = [];
  for (const layer of layers) {
    const verdict = await (async (): Promise<LayerVerdict> => {
      if (layer.mediaType !== DSSE_MEDIA_TYPE)
        return { digest: layer.digest, ok: false, reason: `media type ${layer.mediaType}` };
      if (layer.annotations?.[SIGNATURE_ANNOTATION] === undefined) {
        return {
          digest: layer.digest,
          ok: false,
          reason: 'no dev.cosignproject.cosign/signature annotation',
        };
      }
      const blob = await http.blob(repo, layer.digest);
      const bundle = layer.annotations['dev.sigstore.cosign/bundle'];
      if (bundle !== undefined) {
        const parsed = JSON.parse(bundle) as { Payload?: { body?: string } };
        if (!parsed.Payload?.body)
          return { digest: layer.digest, ok: false, reason: 'Rekor bundle annotation has no body' };
      }
      const result = checkEnvelope(JSON.parse(blob.toString('utf8')), imageDigest, options);
      const annotated = layer.annotations.predicateType;
      if (result.ok && annotated !== undefined && annotated !== result.statement?.predicateType) {
        return {
          digest: layer.digest,
          ok: false,
          reason: 'predicateType annotation differs from the statement',
        };
      }
      return { digest: layer.digest, ...result };
    })();
    verdicts.push(verdict);
  }
  return {
    imageDigest,
    layers: verdicts,
    verified: verdicts.filter((v) => v.ok),
    duplicates: duplicatesOf(layers),
  };
}

/** `cosign verify --key K --insecure-ignore-tlog IMAGE` over the `.sig` tag. */
export async function checkSignatures(options: CheckOptions): Promise<CheckResult> {
  const http = new RegistryHttp(options.access);
  const imageDigest = await resolve(http, options);
  const repo = options.storeRepository ?? options.repository;
  const layers = await signatureManifest(http, repo, `${imageDigest.replace(':', '-')}.sig`);
  const verdicts: LayerVerdict[] = [];
  for (const layer of layers) {
    const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (layer.mediaType !== SIMPLESIGNING_MEDIA_TYPE || !signature) {
      verdicts.push({
        digest: layer.digest,
        ok: false,
        reason: 'not a simple-signing layer with a signature',
      });
      continue;
    }
    const payload = await http.blob(repo, layer.digest);
    if (!verifyWith(options.publicKeyPem, payload, Buffer.from(signature, 'base64'))) {
      verdicts.push({ digest: layer.digest, ok: false, reason: 'signature does not verify' });
      continue;
    }
    const claims = JSON.parse(payload.toString('utf8')) as {
      critical?: { image?: { 'docker-manifest-digest'?: string }; type?: string };
    };
    const ok =
      claims.critical?.image?.['docker-manifest-digest'] === imageDigest &&
      claims.critical.type === 'cosign container image signature';
    verdicts.push({ digest: layer.digest, ok, ...(ok ? {} : { reason: 'payload names another image' }) });
  }
  return {
    imageDigest,
    layers: verdicts,
    verified: verdicts.filter((v) => v.ok),
    duplicates: duplicatesOf(layers),
  };
}

/** cosign v3's bundle discovery: referrers API, else the `sha256-<hex>` fallback index; one bundle layer each. */
export async function checkBundles(options: CheckOptions): Promise<CheckResult & { source: 'api' | 'tag' }> {
  const http = new RegistryHttp(options.access);
  const imageDigest = await resolve(http, options);
  const repo = options.storeRepository ?? options.repository;
  const api = await http.send('GET', repo, `referrers/${imageDigest}`, { headers: { accept: OCI_INDEX } });
  let source: 'api' | 'tag' = 'api';
  let index: { manifests?: Layer[]; mediaType?: string } = {};
  if (api.status === 200 && String(api.headers['content-type']) === OCI_INDEX) {
    index = JSON.parse(api.body.toString('utf8'));
  } else {
    source = 'tag';
    const fallback = await http.manifest(repo, imageDigest.replace(':', '-'));
    if (fallback) index = JSON.parse(fallback.bytes.toString('utf8'));
    if (fallback && index.mediaType !== OCI_INDEX) throw new Error('fallback tag is not an OCI index');
  }
  const verdicts: LayerVerdict[] = [];
  for (const entry of index.manifests ?? []) {
    const fetched = await http.manifest(repo, entry.digest);
    if (!fetched || fetched.digest !== entry.digest) {
      verdicts.push({ digest: entry.digest, ok: false, reason: 'referrer manifest missing or altered' });
      continue;
    }
    const manifest = JSON.parse(fetched.bytes.toString('utf8')) as {
      artifactType?: string;
      config?: Layer;
      layers?: Layer[];
      subject?: Layer;
      annotations?: Record<string, string>;
    };
    const layer = manifest.layers?.[0];
    const problems = [
      manifest.artifactType !== BUNDLE_MEDIA_TYPE && `artifactType ${manifest.artifactType}`,
      manifest.config?.mediaType !== 'application/vnd.oci.empty.v1+json' &&
        'config is not the empty descriptor',
      manifest.config?.digest !== sha256('{}') && 'config digest is not that of {}',
      manifest.layers?.length !== 1 && 'not exactly one layer',
      layer?.mediaType !== BUNDLE_MEDIA_TYPE && 'layer is not a bundle',
      manifest.subject?.digest !== imageDigest && 'subject is another image',
      manifest.annotations?.['dev.sigstore.bundle.content'] !== 'dsse-envelope' && 'content annotation',
      !manifest.annotations?.['org.opencontainers.image.created'] && 'created annotation',
    ].filter(Boolean);
    if (problems.length > 0 || !layer) {
      verdicts.push({ digest: entry.digest, ok: false, reason: problems.join(', ') });
      continue;
    }
    const bundle = JSON.parse((await http.blob(repo, layer.digest)).toString('utf8')) as {
      mediaType?: string;
      dsseEnvelope?: unknown;
      verificationMaterial?: { publicKey?: { hint?: string }; certificate?: unknown };
    };
    if (bundle.mediaType !== BUNDLE_MEDIA_TYPE || !bundle.dsseEnvelope || !bundle.verificationMaterial) {
      verdicts.push({ digest: entry.digest, ok: false, reason: 'not a v0.3 DSSE bundle' });
      continue;
    }
    const hint = bundle.verificationMaterial.publicKey?.hint;
    if (hint !== undefined) {
      const der = createPublicKey(options.publicKeyPem).export({ format: 'der', type: 'spki' });
      if (hint !== createHash('sha256').update(der).digest('base64')) {
        verdicts.push({ digest: entry.digest, ok: false, reason: 'public key hint is not this key' });
        continue;
      }
    }
    const result = checkEnvelope(bundle.dsseEnvelope, imageDigest, options);
    const annotated = manifest.annotations?.['dev.sigstore.bundle.predicateType'];
    if (result.ok && annotated !== result.statement?.predicateType) {
      verdicts.push({ digest: entry.digest, ok: false, reason: 'predicateType annotation differs' });
      continue;
    }
    verdicts.push({ digest: entry.digest, ...result });
  }
  return {
    imageDigest,
    layers: verdicts,
    verified: verdicts.filter((v) => v.ok),
    duplicates: duplicatesOf(index.manifests ?? []),
    source,
  };
}
