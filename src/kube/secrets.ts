import type { KubeClient } from './client.js';

/** Reads a Kubernetes Secret's data (already base64-decoded): all that signing needs of the API. */
export interface SecretSource {
  readSecret(namespace: string, name: string): Promise<Record<string, Uint8Array>>;
}

/** Reads Secrets through the API for `k8s://NAMESPACE/NAME` signing keys (and registry credentials). */
export class ApiSecretSource implements SecretSource {
  constructor(private readonly client: KubeClient) {}

  async readSecret(namespace: string, name: string): Promise<Record<string, Uint8Array>> {
    const secret = await this.client.getSecret(namespace, name, 'signing-key');
    const data: Record<string, Uint8Array> = {};
    for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64');
    // stringData is write-only on a real server; a Secret read back only has data.
    return data;
  }
}
