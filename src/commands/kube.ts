import type { KubeAccess } from '../config/kube.js';
import type { KubeClient } from '../kube/client.js';
import type { SecretSource } from '../kube/secrets.js';

/**
 * The API client, its code loaded and its connection configured on first use (client-node is most of the
 * JS a command loads: `attest` decrypts a key file before it, see commands/attest.ts).
 */
export function lazyKubeClient(access: KubeAccess): () => Promise<KubeClient> {
  let client: Promise<KubeClient> | undefined;
  return () => {
    client ??= (async () => {
      const [{ KubeClient }, { loadKubeConnection }] = await Promise.all([
        import('../kube/client.js'),
        import('../kube/config.js'),
      ]);
      const connection = loadKubeConnection({
        kubeconfig: access.kubeconfig,
        context: access.context,
        serviceAccountRoot: access.serviceAccountRoot,
      });
      return new KubeClient(connection, {
        requestTimeoutMs: access.requestTimeoutMs,
        maxResponseBytes: access.maxResponseBytes,
      });
    })();
    return client;
  };
}

/** Secrets for `k8s://NS/SECRET` keys, read with the kubeconfig or the pod's service account when first asked. */
export function kubeSecrets(kube: () => Promise<KubeClient>): SecretSource {
  return {
    readSecret: async (namespace, name) => {
      const { ApiSecretSource } = await import('../kube/secrets.js');
      return new ApiSecretSource(await kube()).readSecret(namespace, name);
    },
  };
}
