import { existsSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { AttestError } from '../errors.js';
import { log, redact } from '../log.js';

/** Where Kubernetes mounts the pod's service-account files; client-node reads them below a prefix. */
export const SERVICEACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigOptions {
  /** `--kubeconfig`: always wins over the in-cluster config. */
  kubeconfig?: string | undefined;
  /** `--context`: a kubeconfig context (implies kubeconfig, not in-cluster). */
  context?: string | undefined;
  /** Prefix of SERVICEACCOUNT_DIR (tests, chroots); empty in a real pod. */
  serviceAccountRoot?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** A loaded client configuration and who it acts as, for error messages that name the identity. */
export interface KubeConnection {
  config: KubeConfig;
  inCluster: boolean;
  server: string;
  /** The namespace of the pod (in-cluster) or of the kubeconfig context. */
  namespace: string | undefined;
  /** `system:serviceaccount:NS:NAME` in a pod; the kubeconfig user outside. Never a credential. */
  identity: string;
  /** The service account's own name when known (for reading its imagePullSecrets). */
  serviceAccount: { namespace: string; name: string } | undefined;
}

/**
 * Loads the client configuration: `--kubeconfig`/`--context` if given, else the pod's in-cluster
 * service account (token, CA and namespace files), else KUBECONFIG or ~/.kube/config.
 * Every credential it sees is registered with the logger's redaction.
 */
export function loadKubeConnection(options: KubeConfigOptions = {}): KubeConnection {
  const env = options.env ?? process.env;
  const root = options.serviceAccountRoot ?? '';
  const tokenFile = `${root}${SERVICEACCOUNT_DIR}/token`;
  if (!options.kubeconfig && !options.context && env.KUBERNETES_SERVICE_HOST && existsSync(tokenFile)) {
    return inCluster(root, tokenFile, env);
  }
  return fromKubeconfig(options, env);
}

function inCluster(root: string, tokenFile: string, env: NodeJS.ProcessEnv): KubeConnection {
  const caFile = `${root}${SERVICEACCOUNT_DIR}/ca.crt`;
  if (!existsSync(caFile)) {
    throw new AttestError('KUBE_CONFIG', `in-cluster config: ${caFile} is missing`, {
      hint: 'the pod needs its service-account volume (automountServiceAccountToken must not be false)',
    });
  }
  const config = new KubeConfig();
  config.loadFromCluster(root);
  const token = readFileSync(tokenFile, 'utf8').trim();
  redact(token);
  const namespace = config.getContextObject(config.getCurrentContext())?.namespace?.trim() || undefined;
  const serviceAccount = serviceAccountOfToken(token);
  const server = config.getCurrentCluster()?.server ?? `https://${env.KUBERNETES_SERVICE_HOST}`;
  log.debug(`kubernetes: in-cluster config, ${server}, namespace ${namespace ?? '(none)'}`);
  return {
    config,
    inCluster: true,
    server,
    namespace,
    identity: serviceAccount
      ? `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`
      : `the pod's service account (token ${tokenFile})`,
    serviceAccount,
  };
}

function fromKubeconfig(options: KubeConfigOptions, env: NodeJS.ProcessEnv): KubeConnection {
  const config = new KubeConfig();
  const file = options.kubeconfig;
  try {
    if (file) config.loadFromFile(file);
    else if (env.KUBECONFIG || existsSync(`${env.HOME ?? ''}/.kube/config`)) config.loadFromDefault();
    else {
      throw new AttestError('KUBE_CONFIG', 'no Kubernetes configuration: not in a pod, and no kubeconfig', {
        hint: 'run inside the Task pod, or pass --kubeconfig FILE (or set KUBECONFIG)',
      });
    }
  } catch (error) {
    if (error instanceof AttestError) throw error;
    throw new AttestError(
      'KUBE_CONFIG',
      `kubeconfig ${file ?? env.KUBECONFIG ?? '~/.kube/config'} cannot be loaded: ${(error as Error).message}`,
      {
        hint: 'check the --kubeconfig/KUBECONFIG path and that the file is a valid kubeconfig',
        cause: error,
      },
    );
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new AttestError('KUBE_CONFIG', `kubeconfig has no context ${options.context}`, {
        hint: `use one of: ${known.join(', ') || '(none)'}`,
      });
    }
    config.setCurrentContext(options.context);
  }
  const context = config.getContextObject(config.getCurrentContext());
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  if (!context || !cluster) {
    throw new AttestError('KUBE_CONFIG', 'the kubeconfig has no current context with a cluster', {
      hint: 'pass --context NAME, or set current-context in the kubeconfig',
    });
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new AttestError('KUBE_CONFIG', `cluster ${cluster.name} uses plain HTTP (${cluster.server})`, {
      hint: 'the Kubernetes client only speaks plain HTTP when the cluster sets insecure-skip-tls-verify: true',
    });
  }
  redact(user?.token);
  redact(user?.password);
  const serviceAccount = user?.token ? serviceAccountOfToken(user.token) : undefined;
  log.debug(`kubernetes: kubeconfig context ${context.name}, ${cluster.server}`);
  return {
    config,
    inCluster: false,
    server: cluster.server,
    namespace: context.namespace || undefined,
    identity: serviceAccount
      ? `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`
      : `user ${user?.name ?? '(none)'} of kubeconfig context ${context.name}`,
    serviceAccount,
  };
}

/**
 * The service account a token belongs to, read from its (unverified) JWT claims: bound tokens carry
 * `sub: system:serviceaccount:NS:NAME`. Only used to name the identity in messages.
 */
export function serviceAccountOfToken(token: string): { namespace: string; name: string } | undefined {
  const claims = token.split('.')[1];
  if (!claims) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { sub?: unknown };
    const match =
      typeof parsed.sub === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(parsed.sub) : null;
    return match?.[1] && match[2] ? { namespace: match[1], name: match[2] } : undefined;
  } catch {
    return undefined;
  }
}
