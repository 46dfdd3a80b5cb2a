import { AttestError } from '../errors.js';
import type { NetworkFailure } from '../http/network-error.js';
import type { KubeConnection } from './config.js';
import { describeTarget, forbiddenHint, type Target } from './rbac.js';

/**
 * What a failed API request means to the user: each failure (a status, a timeout, TLS, the network) as an
 * AttestError naming the verb, the resource, the namespace and the identity, with the fix.
 */

/** The Kubernetes `Status` body of a failed request, when the server sent one. */
export interface ApiStatus {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string };
}

export type Failure =
  | { kind: 'status'; code: number; status: ApiStatus; retryAfter: string | undefined; summary: string }
  | (NetworkFailure & { error: unknown });

export type Outcome = { kind: 'ok'; body: unknown } | Failure;

export function failureError(
  target: Target,
  failure: Failure,
  attempt: number,
  connection: KubeConnection,
  timeoutMs: number,
): AttestError {
  const what = describeTarget(target);
  const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
  const identity = connection.identity;
  if (failure.kind === 'timeout') {
    return new AttestError(
      'TIMEOUT',
      `${what}: no answer from ${connection.server} within ${timeoutMs / 1000}s${tries}`,
      {
        hint: 'check that the API server is reachable from the pod (network policy, proxy), or raise --request-timeout',
      },
    );
  }
  if (failure.kind === 'tls' || failure.kind === 'not-tls') {
    return new AttestError('KUBE_CONFIG', `${what}: TLS to ${connection.server} failed: ${failure.summary}`, {
      hint: connection.inCluster
        ? "the pod's service-account ca.crt does not verify the API server's certificate"
        : 'check certificate-authority(-data) of the cluster in the kubeconfig',
      cause: failure.error,
    });
  }
  if (failure.kind === 'connection') {
    return new AttestError(
      'KUBE_API',
      `${what}: cannot reach ${connection.server}: ${failure.summary}${tries}`,
      {
        hint: 'check that the API server is reachable from the pod (KUBERNETES_SERVICE_HOST, network policy, proxy)',
        cause: failure.error,
      },
    );
  }
  if (failure.kind !== 'status') {
    return new AttestError('KUBE_API', `${what}: ${failure.summary}`, { cause: failure.error });
  }
  const serverSays = failure.status.message ? `: ${failure.status.message}` : '';
  switch (failure.code) {
    case 401:
      return new AttestError(
        'KUBE_UNAUTHORIZED',
        `${what}: the API server rejected the credentials of ${identity} (401 Unauthorized)`,
        {
          hint: connection.inCluster
            ? 'the service-account token is missing, expired or for another cluster (automountServiceAccountToken: false?)'
            : 'refresh the kubeconfig credentials (token expired?) or pick another --context',
        },
      );
    case 403:
      return new AttestError('KUBE_FORBIDDEN', `${what}: forbidden for ${identity}${serverSays}`, {
        hint: forbiddenHint(target, connection),
      });
    case 404:
      return notFound(target);
    case 409:
      return new AttestError('KUBE_CONFLICT', `${what}: conflict${serverSays}`, {
        hint: 'the object changed while it was being written; run the task again',
      });
    default:
      return new AttestError('KUBE_API', `${what}: HTTP ${failure.code}${serverSays}${tries}`, {
        hint:
          failure.code >= 500 ? 'the API server keeps failing; retry later' : 'see the server message above',
      });
  }
}

export function notFound(target: Target): AttestError {
  const kind = target.resource.replace(/s$/, '');
  const api = target.group ? `${target.group}/${target.version}` : 'v1';
  if (!target.name) {
    // A LIST has no object to miss: a 404 means the server does not serve the resource at all.
    return new AttestError(
      'KUBE_API',
      `${describeTarget(target)}: the API server does not serve ${target.resource} (${api}) (404)`,
      {
        hint: target.group
          ? `check that Tekton Pipelines with the ${api} API is installed (kubectl api-resources --api-group=${target.group})`
          : 'check the API server address',
      },
    );
  }
  return new AttestError('NOT_FOUND', `${kind} ${target.namespace}/${target.name} not found (${api})`, {
    hint:
      target.resource === 'pipelineruns'
        ? 'check --pipelinerun and --namespace (or the pod label tekton.dev/pipelineRun); the run may have been deleted'
        : `check that ${target.namespace}/${target.name} exists`,
  });
}

export function parseStatus(body: string): ApiStatus {
  if (body === '') return {};
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as ApiStatus) : {};
  } catch {
    // Not a Status (e.g. "404 page not found" for a group/version the server does not serve).
    return { message: body.trim().slice(0, 200) };
  }
}
