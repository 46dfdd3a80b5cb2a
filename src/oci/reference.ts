import { AttestError } from '../errors.js';

/**
 * Image reference parsing with go-containerregistry's `name` semantics (what Chains and cosign use), so a
 * subject name here is byte-for-byte the name they compute: `abc` -> `index.docker.io/library/abc`,
 * `docker.io/x/y` -> `index.docker.io/x/y`, a tag next to a digest is dropped from the repository.
 * Pure and dependency-free: the OCI client and the provenance formats both build on it.
 */
export interface ImageReference {
  /** Registry host[:port]; `index.docker.io` when the reference names none. */
  registry: string;
  /** Repository path inside the registry, with Docker Hub's implicit `library/` added. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>`. */
  digest?: string;
}

export const DEFAULT_REGISTRY = 'index.docker.io';
const DOCKER_HUB_ALIAS = 'docker.io';
/**
 * The distribution reference grammar's remote-name (distribution/reference, regexp.go): path components of
 * lower-case alphanumerics joined by one separator (`.`, `_`, `__` or dashes), separated by single `/`.
 * go-containerregistry only checks the characters, so `a/../b`, `./a` or `a//b` pass there; the URL library
 * then resolves them into other paths of the registry host (e.g. `/api/...`), with the registry login. They
 * are refused here, before any request.
 */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY_GRAMMAR = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
/** go-containerregistry's bounds of a repository name, kept so a name here is one Chains accepts. */
const REPOSITORY_LENGTH = { min: 2, max: 255 };
const TAG_CHARS = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
// An RFC 3986 authority as go-containerregistry accepts it: host or IPv4, or [IPv6], then an optional port.
const REGISTRY =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d+)?$/;

function invalid(ref: string, why: string): AttestError {
  return new AttestError('INVALID_INPUT', `image reference "${ref}" is not valid: ${why}`, {
    hint: 'write it as [registry/]repository[:tag][@sha256:<64 hex>], lower-case repository',
  });
}

/** Parses `[registry/]repo[:tag][@sha256:hex]`; throws AttestError(INVALID_INPUT) when it is not valid. */
export function parseReference(ref: string): ImageReference {
  const parts = ref.split('@');
  if (parts.length > 2) throw invalid(ref, "it has more than one '@'");
  const [base = '', digest] = parts;
  if (digest !== undefined && !SHA256_DIGEST.test(digest)) {
    throw invalid(ref, `digest "${digest}" is not sha256:<64 lower-case hex>`);
  }
  const { name, tag } = splitTag(ref, base);
  const { registry, repository } = splitRegistry(ref, name);
  const parsed: ImageReference = { registry, repository };
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

/** `registry/repository` of a reference, the form Chains records as a subject name. */
export function normalizedRepository(ref: string | ImageReference): string {
  const parsed = typeof ref === 'string' ? parseReference(ref) : ref;
  return `${parsed.registry}/${parsed.repository}`;
}

/** The canonical full reference: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  let text = normalizedRepository(ref);
  if (ref.tag !== undefined) text += `:${ref.tag}`;
  if (ref.digest !== undefined) text += `@${ref.digest}`;
  return text;
}

function splitTag(ref: string, base: string): { name: string; tag?: string } {
  const colon = base.lastIndexOf(':');
  // A colon followed by a '/' belongs to a registry port (host:5000/repo), not to a tag.
  if (colon === -1 || base.slice(colon + 1).includes('/')) return { name: base };
  const tag = base.slice(colon + 1);
  if (!TAG_CHARS.test(tag)) throw invalid(ref, `tag "${tag}" is not valid`);
  return { name: base.slice(0, colon), tag };
}

function splitRegistry(ref: string, name: string): { registry: string; repository: string } {
  if (name === '') throw invalid(ref, 'the repository is empty');
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  // Like go-containerregistry, the first path element is a registry only if it has a '.' or a ':'.
  const hasRegistry = slash !== -1 && (first.includes('.') || first.includes(':'));
  const repository = hasRegistry ? name.slice(slash + 1) : name;
  let registry = hasRegistry ? first : DEFAULT_REGISTRY;
  if (repository.length < REPOSITORY_LENGTH.min || repository.length > REPOSITORY_LENGTH.max) {
    throw invalid(
      ref,
      `repository "${repository}" must be ${REPOSITORY_LENGTH.min}-${REPOSITORY_LENGTH.max} characters`,
    );
  }
  if (!REPOSITORY_GRAMMAR.test(repository)) {
    throw invalid(
      ref,
      `repository "${repository}" must be path components of a-z 0-9 joined by '.', '_', '__' or '-', separated by single '/' (no '.' or '..' components, no empty ones)`,
    );
  }
  if (!REGISTRY.test(registry)) throw invalid(ref, `registry "${registry}" is not a host[:port]`);
  if (registry === DOCKER_HUB_ALIAS) registry = DEFAULT_REGISTRY;
  const implicitLibrary = registry === DEFAULT_REGISTRY && !repository.includes('/');
  return { registry, repository: implicitLibrary ? `library/${repository}` : repository };
}
