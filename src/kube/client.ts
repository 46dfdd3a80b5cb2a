import {
  ApiException,
  type ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  Observable,
  PatchStrategy,
  type RequestContext,
  setHeaderOptions,
  type V1Secret,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import { AttestError } from '../errors.js';
import { log } from '../log.js';
import type { KubeConnection } from './config.js';
import { describeTarget, forbiddenHint, type Target } from './rbac.js';

export type TektonVersion = 'v1' | 'v1beta1';
export const TEKTON_GROUP = 'tekton.dev';
/** A Kubernetes object as the API returns it; typed and validated at the edge that uses it. */
export type KubeObject = Record<string, unknown> & { metadata?: Record<string, unknown> };

export interface RetryPolicy {
  /** Total tries of one request, including the first. */
  attempts: number;
  /** First backoff for 5xx and connection errors; doubles each time. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 8_000 };
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** A server asking for longer than this is not waited for: the task would look hung. */
const MAX_RETRY_AFTER_MS = 60_000;
const LIST_PAGE_SIZE = 500;

export interface KubeClientOptions {
  requestTimeoutMs?: number;
  retry?: RetryPolicy;
}

/** The Kubernetes `Status` body of a failed request, when the server sent one. */
interface ApiStatus {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string };
}

/**
 * The only code that talks to the Kubernetes API. Every call goes through `request`, which applies the
 * per-request timeout and the retry policy (429: Retry-After; 5xx and connection errors: exponential
 * backoff; 401/403: never retried) and turns failures into AttestErrors that name the verb, the resource,
 * the namespace and the identity in use.
 */
export class KubeClient {
  readonly connection: KubeConnection;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;

  constructor(connection: KubeConnection, options: KubeClientOptions = {}) {
    this.connection = connection;
    this.custom = connection.config.makeApiClient(CustomObjectsApi);
    this.core = connection.config.makeApiClient(CoreV1Api);
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /**
   * GETs a PipelineRun as tekton.dev/v1, or as v1beta1 on clusters that do not serve v1 (a 404 that is
   * not about the object itself).
   */
  async getPipelineRun(
    namespace: string,
    name: string,
  ): Promise<{ object: KubeObject; version: TektonVersion }> {
    const v1 = await this.tryGetTekton('v1', 'pipelineruns', namespace, name);
    if (v1.object) return { object: v1.object, version: 'v1' };
    if (v1.status?.details?.name === name) throw notFound(v1.target);
    log.debug('kubernetes: tekton.dev/v1 pipelineruns not served here, trying v1beta1');
    const beta = await this.tryGetTekton('v1beta1', 'pipelineruns', namespace, name);
    if (beta.object) return { object: beta.object, version: 'v1beta1' };
    if (beta.status?.details?.name === name) throw notFound(beta.target);
    throw new AttestError(
      'KUBE_API',
      `${this.connection.server} serves neither tekton.dev/v1 nor tekton.dev/v1beta1 pipelineruns`,
      {
        hint: 'is Tekton Pipelines installed on this cluster (kubectl api-resources --api-group=tekton.dev)?',
      },
    );
  }

  async getTekton(version: string, plural: string, namespace: string, name: string): Promise<KubeObject> {
    const result = await this.tryGetTekton(version, plural, namespace, name);
    if (!result.object) throw notFound(result.target);
    return result.object;
  }

  /** LISTs every object matching the selector, following `continue` tokens. */
  async listTekton(
    version: string,
    plural: string,
    namespace: string,
    labelSelector: string,
  ): Promise<KubeObject[]> {
    const target = tektonTarget('list', version, plural, namespace);
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    do {
      const page = (await this.request(target, (options) =>
        this.custom.listNamespacedCustomObject(
          {
            group: TEKTON_GROUP,
            version,
            namespace,
            plural,
            labelSelector,
            limit: LIST_PAGE_SIZE,
            ...(continueToken ? { _continue: continueToken } : {}),
          },
          options,
        ),
      )) as { items?: unknown; metadata?: { continue?: string } };
      if (!Array.isArray(page.items)) {
        throw new AttestError('KUBE_API', `${describeTarget(target)}: the response has no items list`, {
          hint: `check that ${target.group} ${version} is a Tekton API on this server`,
        });
      }
      items.push(...(page.items as KubeObject[]));
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return items;
  }

  /** JSON merge patch (RFC 7386), as Chains patches annotations; client-node defaults to json-patch. */
  async mergePatchTekton(
    version: string,
    plural: string,
    namespace: string,
    name: string,
    patch: object,
  ): Promise<KubeObject> {
    const target = tektonTarget('patch', version, plural, namespace, name);
    return (await this.request(target, (options) =>
      this.custom.patchNamespacedCustomObject(
        { group: TEKTON_GROUP, version, namespace, plural, name, body: patch },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch, options),
      ),
    )) as KubeObject;
  }

  async getServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount> {
    const target: Target = { verb: 'get', group: '', resource: 'serviceaccounts', namespace, name };
    return this.request(target, (options) =>
      this.core.readNamespacedServiceAccount({ namespace, name }, options),
    );
  }

  async getSecret(
    namespace: string,
    name: string,
    purpose: Target['purpose'] = 'registry-credentials',
  ): Promise<V1Secret> {
    const target: Target = { verb: 'get', group: '', resource: 'secrets', namespace, name, purpose };
    return this.request(target, (options) => this.core.readNamespacedSecret({ namespace, name }, options));
  }

  private async tryGetTekton(
    version: string,
    plural: string,
    namespace: string,
    name: string,
  ): Promise<{ object?: KubeObject; status?: ApiStatus; target: Target }> {
    const target = tektonTarget('get', version, plural, namespace, name);
    try {
      const object = (await this.request(
        target,
        (options) =>
          this.custom.getNamespacedCustomObject(
            { group: TEKTON_GROUP, version, namespace, plural, name },
            options,
          ),
        { notFoundIsResult: true },
      )) as KubeObject;
      return { object, target };
    } catch (error) {
      if (error instanceof NotFound) return { status: error.status, target };
      throw error;
    }
  }

  /** Runs one API call with the timeout and retry policy; maps failures to AttestErrors. */
  private async request<T>(
    target: Target,
    call: (options: ConfigurationOptions) => Promise<T>,
    flags: { notFoundIsResult?: boolean } = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(this.timeoutOptions());
      } catch (error) {
        const failure = classify(error);
        if (failure.kind === 'status' && failure.code === 404 && flags.notFoundIsResult) {
          throw new NotFound(failure.status);
        }
        const delay = this.retryDelay(failure, attempt);
        if (delay === undefined) throw this.toAttestError(target, failure, attempt);
        log.warn(
          `kubernetes: ${describeTarget(target)}: ${failure.summary}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${this.retry.attempts})`,
        );
        await sleep(delay);
      }
    }
  }

  /** How long to wait before retrying, or undefined when the failure is final. */
  private retryDelay(failure: Failure, attempt: number): number | undefined {
    if (attempt >= this.retry.attempts) return undefined;
    const backoff = Math.min(this.retry.baseDelayMs * 2 ** (attempt - 1), this.retry.maxDelayMs);
    if (failure.kind === 'network' || failure.kind === 'timeout') return backoff;
    if (failure.kind !== 'status') return undefined;
    if (failure.code === 429) {
      const asked = failure.retryAfterMs;
      if (asked === undefined) return backoff;
      return asked <= MAX_RETRY_AFTER_MS ? asked : undefined;
    }
    return failure.code >= 500 ? backoff : undefined;
  }

  private toAttestError(target: Target, failure: Failure, attempt: number): AttestError {
    const what = describeTarget(target);
    const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
    const identity = this.connection.identity;
    if (failure.kind === 'timeout') {
      return new AttestError(
        'TIMEOUT',
        `${what}: no answer from ${this.connection.server} within ${this.timeoutMs / 1000}s${tries}`,
        {
          hint: 'check that the API server is reachable from the pod (network policy, proxy), or raise --request-timeout',
        },
      );
    }
    if (failure.kind === 'tls') {
      return new AttestError(
        'KUBE_CONFIG',
        `${what}: TLS to ${this.connection.server} failed: ${failure.summary}`,
        {
          hint: this.connection.inCluster
            ? "the pod's service-account ca.crt does not verify the API server's certificate"
            : 'check certificate-authority(-data) of the cluster in the kubeconfig',
          cause: failure.error,
        },
      );
    }
    if (failure.kind === 'network') {
      return new AttestError(
        'KUBE_API',
        `${what}: cannot reach ${this.connection.server}: ${failure.summary}${tries}`,
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
            hint: this.connection.inCluster
              ? 'the service-account token is missing, expired or for another cluster (automountServiceAccountToken: false?)'
              : 'refresh the kubeconfig credentials (token expired?) or pick another --context',
          },
        );
      case 403:
        return new AttestError('KUBE_FORBIDDEN', `${what}: forbidden for ${identity}${serverSays}`, {
          hint: forbiddenHint(target, this.connection),
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
            failure.code >= 500
              ? 'the API server keeps failing; retry later'
              : 'see the server message above',
        });
    }
  }

  /** Each request gets its own deadline; client-node passes the signal on to fetch. */
  private timeoutOptions(): ConfigurationOptions {
    const timeoutMs = this.timeoutMs;
    return {
      middleware: [
        {
          pre: (context: RequestContext) => {
            context.setSignal(AbortSignal.timeout(timeoutMs));
            return new Observable(Promise.resolve(context));
          },
          post: (response) => new Observable(Promise.resolve(response)),
        },
      ],
      middlewareMergeStrategy: 'append',
    };
  }
}

class NotFound extends Error {
  constructor(readonly status: ApiStatus | undefined) {
    super('not found');
  }
}

function notFound(target: Target): AttestError {
  const kind = target.resource.replace(/s$/, '');
  const api = target.group ? `${target.group}/${target.version}` : 'v1';
  return new AttestError('NOT_FOUND', `${kind} ${target.namespace}/${target.name} not found (${api})`, {
    hint:
      target.resource === 'pipelineruns'
        ? 'check --pipelinerun and --namespace (or the pod label tekton.dev/pipelineRun); the run may have been deleted'
        : `check that ${target.namespace}/${target.name} exists`,
  });
}

function tektonTarget(
  verb: Target['verb'],
  version: string,
  plural: string,
  namespace: string,
  name?: string,
): Target {
  return { verb, group: TEKTON_GROUP, version, resource: plural, namespace, ...(name ? { name } : {}) };
}

type Failure =
  | { kind: 'status'; code: number; status: ApiStatus; retryAfterMs: number | undefined; summary: string }
  | { kind: 'network' | 'tls' | 'timeout' | 'other'; summary: string; error: unknown };

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH|ALTNAME/;

function classify(error: unknown): Failure {
  if (error instanceof ApiException) {
    const code = Number(error.code);
    const status = parseStatus(error.body);
    const headers = (error.headers ?? {}) as Record<string, string>;
    return {
      kind: 'status',
      code,
      status,
      retryAfterMs: parseRetryAfter(headers['retry-after']),
      summary: `HTTP ${code}${status.reason ? ` ${status.reason}` : ''}`,
    };
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return { kind: 'timeout', summary: 'request timed out', error };
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const code = cause?.code ?? (error as { code?: string } | null)?.code;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  if (code && TLS_CODES.test(code)) return { kind: 'tls', summary: `${code}: ${message}`, error };
  if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    return { kind: 'network', summary: code ? `${code}` : message, error };
  }
  if (code && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code)) return { kind: 'network', summary: code, error };
  return { kind: 'other', summary: message, error };
}

function parseStatus(body: unknown): ApiStatus {
  if (body && typeof body === 'object') return body as ApiStatus;
  if (typeof body !== 'string' || body === '') return {};
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as ApiStatus) : {};
  } catch {
    // Not a Status (e.g. "404 page not found" for a group/version the server does not serve).
    return { message: body.trim().slice(0, 200) };
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
