import type { RegistryAccess } from '../config/registry.js';
import type { RegistryClient } from '../oci/client.js';
import { type CredentialSource, dockerConfigSources } from '../oci/docker-config.js';

/**
 * The one registry set-up of every command: docker configs (`--docker-config` first), then `extra` (attest:
 * the service account's secrets), the extra CAs and the insecure hosts. The client code loads on first use.
 */
export async function openRegistry(
  access: RegistryAccess,
  extra: readonly CredentialSource[] = [],
  { pushes = false } = {},
): Promise<RegistryClient> {
  const { RegistryClient } = await import('../oci/client.js');
  return new RegistryClient({
    pushes,
    credentials: [...dockerConfigSources({ dockerConfigDir: access.dockerConfigDir }), ...extra],
    registryCaFiles: [...access.caFiles],
    insecureRegistries: [...access.insecureRegistries],
    requestTimeoutMs: access.requestTimeoutMs,
    maxResponseBytes: access.maxBlobBytes,
  });
}
