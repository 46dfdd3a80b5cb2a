import { parseDuration, parseMaxInputSize, type RawOptions, text } from './values.js';

/** How to reach the Kubernetes API: a kubeconfig (and context), else the pod's in-cluster config. */
export interface KubeAccess {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  /** Prefix of /var/run/secrets/kubernetes.io/serviceaccount (tests). */
  readonly serviceAccountRoot: string | undefined;
  /** Unset: the API client's default. */
  readonly requestTimeoutMs: number | undefined;
  /** The largest API response read (`--max-input-size`). */
  readonly maxResponseBytes: number;
}

export function parseKubeAccess(options: RawOptions): KubeAccess {
  return {
    kubeconfig: text(options, 'kubeconfig'),
    context: text(options, 'context'),
    serviceAccountRoot: text(options, 'serviceaccount-root'),
    requestTimeoutMs:
      options['request-timeout'] === undefined
        ? undefined
        : parseDuration(options['request-timeout'], '--request-timeout', 0),
    maxResponseBytes: parseMaxInputSize(options),
  };
}
