import { AttestError, reasonOf } from '../errors.js';
import { log, redact } from '../log.js';
import {
  type CredentialSource,
  type DockerConfigAuths,
  parseDockerConfig,
  type RegistryCredential,
  registryKey,
} from '../oci/docker-config.js';
import type { KubeClient } from './client.js';

/** Tekton's credential-init annotation on basic-auth Secrets: `tekton.dev/docker-0: https://host`. */
const TEKTON_DOCKER_ANNOTATION = /^tekton\.dev\/docker-/;

/**
 * Registry logins of a service account, read through the API the way Chains' k8schain reads them: the
 * Secrets listed in its `imagePullSecrets` (which Tekton never hands to steps) and then its `secrets`
 * (dockerconfigjson, dockercfg, and basic-auth annotated `tekton.dev/docker-*`). Read once, lazily; a
 * Secret that cannot be read is reported and skipped so the other credential sources still apply.
 */
export class ServiceAccountCredentials implements CredentialSource {
  readonly description: string;
  private loaded: Promise<DockerConfigAuths[]> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly serviceAccount: string,
  ) {
    this.description = `service account ${namespace}/${serviceAccount} (imagePullSecrets and secrets, via the API)`;
  }

  async lookup(registry: string): Promise<RegistryCredential | undefined> {
    this.loaded ??= this.load();
    for (const auths of await this.loaded) {
      const found = auths.lookup(registry);
      if (found) return found;
    }
    return undefined;
  }

  private async load(): Promise<DockerConfigAuths[]> {
    let names: string[];
    try {
      const account = await this.client.getServiceAccount(this.namespace, this.serviceAccount);
      names = [...(account.imagePullSecrets ?? []), ...(account.secrets ?? [])]
        .map((reference) => reference.name)
        .filter((name): name is string => Boolean(name));
    } catch (error) {
      log.warn(`registry credentials from the API are not used: ${reasonOf(error)}`);
      return [];
    }
    const found: DockerConfigAuths[] = [];
    for (const name of [...new Set(names)]) {
      try {
        const auths = await this.readSecret(name);
        if (auths) found.push(auths);
      } catch (error) {
        if (error instanceof AttestError && error.code.startsWith('INVALID')) throw error;
        log.warn(`registry credentials: secret ${this.namespace}/${name} skipped: ${reasonOf(error)}`);
      }
    }
    log.debug(
      `registry credentials: ${found.length} usable secrets of service account ${this.serviceAccount}`,
    );
    return found;
  }

  private async readSecret(name: string): Promise<DockerConfigAuths | undefined> {
    const secret = await this.client.getSecret(this.namespace, name, 'registry-credentials');
    const origin = `secret ${this.namespace}/${name}`;
    const data = (key: string) => {
      const value = secret.data?.[key];
      return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
    };
    switch (secret.type) {
      case 'kubernetes.io/dockerconfigjson':
        return parseDockerConfig(data('.dockerconfigjson') ?? '{}', origin);
      case 'kubernetes.io/dockercfg':
        return parseDockerConfig(data('.dockercfg') ?? '{}', origin);
      case 'kubernetes.io/basic-auth':
        return basicAuth(secret.metadata?.annotations ?? {}, data('username'), data('password'), origin);
      default:
        return undefined;
    }
  }
}

/** A basic-auth Secret counts for the registries its `tekton.dev/docker-*` annotations name. */
function basicAuth(
  annotations: Record<string, string>,
  username: string | undefined,
  password: string | undefined,
  origin: string,
): DockerConfigAuths | undefined {
  const hosts = Object.entries(annotations)
    .filter(([key]) => TEKTON_DOCKER_ANNOTATION.test(key))
    .map(([, url]) => registryKey(url));
  if (hosts.length === 0 || !password) return undefined;
  redact(password);
  const credential: RegistryCredential = { source: `${origin} (basic-auth)`, password };
  if (username) credential.username = username;
  return {
    lookup: (registry) => (hosts.includes(registryKey(registry)) ? credential : undefined),
    registries: () => hosts,
  };
}
