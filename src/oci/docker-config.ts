import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AttestError } from '../errors.js';
import { log, redact } from '../log.js';

/**
 * Registry credentials, looked up the way docker and Tekton lay them out. A source answers for one registry
 * host; the chain asks each source in order and the first answer wins (docker's and k8schain's rule).
 */

/** One login for one registry. `source` says where it came from, for messages; it never holds a secret. */
export interface RegistryCredential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker config `identitytoken`), exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token sent as is (docker config `registrytoken`). */
  registryToken?: string;
  source: string;
}

/**
 * Something that may know a login for a registry host. The in-cluster code implements one over the
 * service account's imagePullSecrets and secrets; the docker config files below are the others.
 */
export interface CredentialSource {
  /** Where this source looks, e.g. `DOCKER_CONFIG=/x (/x/config.json)`, for messages. */
  readonly description: string;
  lookup(registry: string): Promise<RegistryCredential | undefined>;
}

/** What a registry lookup found, and which sources were asked (named in auth errors). */
export interface CredentialResolution {
  credential?: RegistryCredential;
  tried: string[];
}

export class CredentialChain {
  readonly #sources: CredentialSource[];
  readonly #cache = new Map<string, Promise<CredentialResolution>>();

  constructor(sources: CredentialSource[]) {
    this.#sources = sources;
  }

  get descriptions(): string[] {
    return this.#sources.map((s) => s.description);
  }

  resolve(registry: string): Promise<CredentialResolution> {
    const key = registryKey(registry);
    let found = this.#cache.get(key);
    if (!found) {
      found = this.#lookup(registry);
      this.#cache.set(key, found);
    }
    return found;
  }

  async #lookup(registry: string): Promise<CredentialResolution> {
    const tried: string[] = [];
    for (const source of this.#sources) {
      tried.push(source.description);
      const credential = await source.lookup(registry);
      if (credential) {
        log.debug(`credentials for ${registry}: ${credential.source}`);
        return { credential, tried };
      }
    }
    log.debug(`credentials for ${registry}: none (anonymous)`);
    return { tried };
  }
}

/** The docker config file of a directory: `config.json`, or `.dockerconfigjson` as a Secret mounts it. */
const CONFIG_NAMES = ['config.json', '.dockerconfigjson', '.dockercfg'];

export interface DockerConfigLocations {
  /** `--docker-config DIR` */
  dockerConfigDir?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Where Tekton's credential init writes (default /tekton/creds). */
  tektonCredsDir?: string;
  /** The Task's `dockerconfig` workspace (default /workspace/dockerconfig). */
  workspaceDir?: string;
}

/**
 * The docker config sources in the order docker and Tekton use them: `--docker-config DIR`, `DOCKER_CONFIG`,
 * `$HOME/.docker/config.json`, `/tekton/creds/.docker/config.json`, then the `dockerconfig` workspace.
 */
export function dockerConfigSources(locations: DockerConfigLocations = {}): CredentialSource[] {
  const env = locations.env ?? process.env;
  const home = locations.home ?? env.HOME ?? homedir();
  const sources: CredentialSource[] = [];
  if (locations.dockerConfigDir) {
    sources.push(
      directorySource(`--docker-config ${locations.dockerConfigDir}`, locations.dockerConfigDir, true),
    );
  }
  if (env.DOCKER_CONFIG) {
    sources.push(directorySource(`DOCKER_CONFIG=${env.DOCKER_CONFIG}`, env.DOCKER_CONFIG, false));
  }
  sources.push(directorySource('$HOME/.docker', join(home, '.docker'), false));
  sources.push(
    directorySource(
      'Tekton credentials',
      join(locations.tektonCredsDir ?? '/tekton/creds', '.docker'),
      false,
    ),
  );
  sources.push(
    directorySource('dockerconfig workspace', locations.workspaceDir ?? '/workspace/dockerconfig', false),
  );
  return sources;
}

/** A directory holding a docker config file. Missing is fine unless the user named it explicitly. */
function directorySource(label: string, dir: string, required: boolean): CredentialSource {
  let parsed: DockerConfigAuths | undefined;
  let loaded = false;
  const file = () => CONFIG_NAMES.map((name) => join(dir, name)).find(isFile);
  return {
    get description() {
      const path = file();
      return path ? `${label} (${path})` : `${label} (no config.json in ${dir})`;
    },
    async lookup(registry) {
      if (!loaded) {
        loaded = true;
        const path = file();
        if (!path) {
          if (required) {
            throw new AttestError('INVALID_ARGUMENT', `--docker-config ${dir} holds no config.json`, {
              hint: 'point --docker-config at the directory containing config.json (as DOCKER_CONFIG)',
            });
          }
          return undefined;
        }
        parsed = parseDockerConfig(readFileSync(path, 'utf8'), path);
      }
      return parsed?.lookup(registry);
    },
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The logins of one docker config document, by registry host. */
export interface DockerConfigAuths {
  lookup(registry: string): RegistryCredential | undefined;
  registries(): string[];
}

/**
 * Parses a docker config (`{"auths":{...}}`, also the legacy `.dockercfg` map without `auths`), as found in
 * config.json files and in `kubernetes.io/dockerconfigjson` / `dockercfg` Secrets. `origin` names the file
 * or Secret in messages. Every secret value is registered for redaction.
 */
export function parseDockerConfig(json: string, origin: string): DockerConfigAuths {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (error) {
    throw new AttestError('INVALID_INPUT', `${origin} is not valid JSON: ${(error as Error).message}`, {
      hint: 'a docker config looks like {"auths":{"registry.example.com":{"auth":"base64(user:password)"}}}',
    });
  }
  if (!doc || typeof doc !== 'object') {
    throw new AttestError('INVALID_INPUT', `${origin} is not a docker config object`, {
      hint: 'a docker config looks like {"auths":{"registry.example.com":{"auth":"base64(user:password)"}}}',
    });
  }
  const record = doc as Record<string, unknown>;
  const auths = (record.auths ?? (isLegacyConfig(record) ? record : {})) as Record<string, AuthEntry>;
  const helpers = Object.keys((record.credHelpers as object | undefined) ?? {});
  if (record.credsStore || helpers.length > 0) {
    log.debug(`${origin}: credential helpers (credsStore/credHelpers) are not run; only "auths" is used`);
  }
  const byHost = new Map<string, RegistryCredential>();
  for (const [key, entry] of Object.entries(auths)) {
    if (!entry || typeof entry !== 'object') continue;
    const credential = toCredential(entry, `${origin} (auths["${key}"])`);
    const host = registryKey(key);
    if (credential && !byHost.has(host)) byHost.set(host, credential);
  }
  return {
    lookup: (registry) => byHost.get(registryKey(registry)),
    registries: () => [...byHost.keys()],
  };
}

/** `.dockercfg` has registry keys at the top level, each with `auth`. */
function isLegacyConfig(record: Record<string, unknown>): boolean {
  return Object.values(record).some((v) => v !== null && typeof v === 'object' && 'auth' in v);
}

function toCredential(entry: AuthEntry, source: string): RegistryCredential | undefined {
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new AttestError('INVALID_INPUT', `${source}: "auth" is not base64 of "user:password"`, {
        hint: 'write it as base64 of user:password, e.g. echo -n user:password | base64',
      });
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
    redact(entry.auth);
  }
  redact(password);
  redact(entry.identitytoken);
  redact(entry.registrytoken);
  const credential: RegistryCredential = { source };
  if (username) credential.username = username;
  if (password) credential.password = password;
  if (entry.identitytoken) credential.identityToken = entry.identitytoken;
  if (entry.registrytoken) credential.registryToken = entry.registrytoken;
  return credential.password || credential.identityToken || credential.registryToken ? credential : undefined;
}

const DOCKER_HUB_KEYS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The host a config key or registry name stands for, as docker compares them: scheme and path dropped
 * (`https://index.docker.io/v1/` -> `index.docker.io`), lower case, Docker Hub's aliases folded together.
 */
export function registryKey(nameOrUrl: string): string {
  const host = (nameOrUrl.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '').toLowerCase();
  return DOCKER_HUB_KEYS.has(host) ? 'index.docker.io' : host;
}
