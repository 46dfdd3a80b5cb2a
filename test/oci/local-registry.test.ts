// Local registries reached over plain HTTP without --insecure-registry, as go-containerregistry (Chains, cosign,
// Tekton's bundles resolver) reaches them: found when the example pipeline ran on the local Tekton sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/oci/client.js';
import { isLocalRegistry } from '../../src/oci/transport.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

let plain: TestRegistry;

beforeAll(async () => {
  plain = await startRegistry();
});

afterAll(async () => {
  await plain?.stop();
});

describe('a local registry', () => {
  it('is reached over plain HTTP without --insecure-registry when it does not speak TLS', async () => {
    const client = new RegistryClient({ retry: { attempts: 1 } });
    expect(await client.getManifest({ registry: plain.host, repository: 'a/b' }, 'latest')).toBeUndefined();
    expect(await client.transport.baseUrl(plain.host)).toBe(`http://${plain.host}`);
    await client.close();
  });

  it("is what go-containerregistry's Registry.Scheme() calls local: localhost, 127.0.0.1, ::1, RFC 1918", () => {
    const local = ['localhost:5001', 'registry.localhost', '127.0.0.1:5000', '[::1]:5000', '10.96.0.5:5000'];
    const remote = [
      'ghcr.io',
      '0.0.0.0:5000',
      '127.0.0.2:5000',
      '172.32.0.1',
      '192.169.0.1:80',
      'localhost.example',
    ];
    expect(local.filter((host) => !isLocalRegistry(host))).toEqual([]);
    expect(remote.filter((host) => isLocalRegistry(host))).toEqual([]);
  });
});
