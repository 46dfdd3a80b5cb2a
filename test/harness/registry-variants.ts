// The registries the OCI code is tested against (anonymous HTTP, Basic, Bearer token, TLS with a test CA),
// and how tests reach each: the project's client with a docker config, or raw HTTP for setup and checks.
import { readFileSync } from 'node:fs';
import { RegistryClient } from '../../src/oci/client.js';
import { dockerConfigSources } from '../../src/oci/docker-config.js';
import type { TestRegistry } from './registry.js';
import type { RegistryAccess } from './registry-http.js';

export const REGISTRY_VARIANTS = [
  { name: 'anonymous (HTTP)', options: { auth: 'none' as const } },
  { name: 'htpasswd Basic auth', options: { auth: 'basic' as const } },
  { name: 'Bearer token auth', options: { auth: 'token' as const } },
  { name: 'TLS with a test CA', options: { auth: 'none' as const, tls: true } },
];

/** The project's client, logging in as `user` through a docker config (as a Task pod would). */
export function clientFor(registry: TestRegistry, user = 'writer', password?: string): RegistryClient {
  const credentials =
    registry.auth === 'none'
      ? []
      : dockerConfigSources({
          dockerConfigDir: registry.dockerConfig(user, password),
          env: {},
          home: '/nonexistent',
        });
  return new RegistryClient({
    credentials,
    ...(registry.tls ? { registryCaFiles: [registry.caFile!] } : { insecureRegistries: [registry.host] }),
  });
}

/** Raw HTTP access as the writer (pushing test images, reading what was stored). */
export function accessFor(registry: TestRegistry): RegistryAccess {
  return {
    url: registry.url,
    ...(registry.caFile ? { ca: readFileSync(registry.caFile) } : {}),
    ...(registry.auth === 'none' ? {} : { username: 'writer', password: registry.users.writer!.password }),
  };
}
