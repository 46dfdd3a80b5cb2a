// Over 300 lines: the typed calls (PipelineRuns, TaskRuns, Secrets, paged lists) and the one request loop
// they share (timeout, retries, list restarts, credentials per request) read best together; what a failure
// means to the user is errors.ts, which RBAC role to grant is rbac.ts.
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { Agent, type Dispatcher } from 'undici';
import { AttestError } from '../errors.js';
import { classifyNetworkError } from '../http/network-error.js';
import { isTransientStatus, type RetryPolicy, retryDelay, sleep } from '../http/retry.js';
import { send } from '../http/send.js';
import { DEFAULT_MAX_INPUT_BYTES } from '../limits.js';
import { log, redact } from '../log.js';
import type { KubeConnection } from './config.js';
import { type ApiStatus, type Failure, failureError, notFound, type Outcome, parseStatus } from './errors.js';
import { describeTarget, type Target } from './rbac.js';

export type TektonVersion = 'v1' | 'v1beta1';
export const TEKTON_GROUP = 'tekton.dev';
/** A Kubernetes object as the API returns it; typed and validated at the edge that uses it. */
export type KubeObject = Record<string, unknown> & { metadata?: Record<string, unknown> };

/** The fields of a ServiceAccount that are read: the Secrets it names. */
export interface ServiceAccount {
  imagePullSecrets?: { name?: string }[];
  secrets?: { name?: string }[];
}

export interface Secret {
  type?: string;
  /** Base64 values. */
  data?: Record<string, string>;
  metadata?: { annotations?: Record<string, string> };
}

const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * TaskRuns per list page. A page is read whole (its bytes, their text, then the parsed objects, side by
 * side), so pages of 500 TaskRuns with long inline scripts (60 KB each: 33 MB a page) put that three times
 * over on the run's peak memory; 50 a page keeps the pages small and costs 10 requests for 500 TaskRuns.
 */
const LIST_PAGE_SIZE = 50;
/** Lists started again after an expired continue token, before the 410 is reported. */
const MAX_LIST_RESTARTS = 3;

export interface KubeClientOptions {
  requestTimeoutMs?: number;
  /** The largest response read (`--max-input-size`): one object, or one page of a list. */
  maxResponseBytes?: number;
  retry?: Partial<RetryPolicy>;
}

/** One API request: the path below the server URL, its query, and a JSON merge patch for PATCH. */
interface ApiCall {
  path: string;
  query?: Record<string, string | number | undefined>;
  mergePatch?: object;
}

/**
 * The only code that talks to the Kubernetes API. Every call goes through `request`, which applies the
 * per-request timeout and the retry policy (429: Retry-After; 5xx and connection errors: exponential
 * backoff; 401/403/404/409: never retried) and turns failures into AttestErrors that name the verb, the
 * resource, the namespace and the identity in use. The requests are sent with undici; client-node only
 * supplies the configuration and, per request, the credentials and TLS settings.
 */
export class KubeClient {
  readonly connection: KubeConnection;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly retry: RetryPolicy;
  /** Kept for every request, so one TLS connection serves them all. */
  private dispatcher: Dispatcher | undefined;

  constructor(connection: KubeConnection, options: KubeClientOptions = {}) {
    this.connection = connection;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_INPUT_BYTES;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
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
    let items: KubeObject[] = [];
    let continueToken: string | undefined;
    let restarts = 0;
    for (;;) {
      const page = await this.listPage(target, labelSelector, continueToken, restarts < MAX_LIST_RESTARTS);
      if (page === 'expired') {
        // etcd compacted the snapshot the continue token points to: list again from the start, as
        // client-go's pager does, rather than join pages of two different moments.
        log.warn(`kubernetes: ${describeTarget(target)}: the list's continue token expired; listing again`);
        restarts++;
        items = [];
        continueToken = undefined;
        continue;
      }
      items.push(...page.items);
      continueToken = page.continueToken;
      if (!continueToken) return items;
    }
  }

  /** One page of a LIST; 'expired' for a 410 on a continue token when the caller may start again. */
  private async listPage(
    target: Target,
    labelSelector: string,
    continueToken: string | undefined,
    mayRestart: boolean,
  ): Promise<{ items: KubeObject[]; continueToken: string | undefined } | 'expired'> {
    let page: { items?: unknown; metadata?: { continue?: string } };
    try {
      page = (await this.request(
        target,
        { path: pathOf(target), query: { labelSelector, limit: LIST_PAGE_SIZE, continue: continueToken } },
        { answers: continueToken && mayRestart ? [410] : [] },
      )) as typeof page;
    } catch (error) {
      if (error instanceof StatusAnswer) return 'expired';
      throw error;
    }
    if (!Array.isArray(page.items)) {
      throw new AttestError('KUBE_API', `${describeTarget(target)}: the response has no items list`, {
        hint: `check that ${target.group} ${target.version} is a Tekton API on this server`,
      });
    }
    return { items: page.items as KubeObject[], continueToken: page.metadata?.continue || undefined };
  }

  /** JSON merge patch (RFC 7386), as Chains patches annotations. */
  async mergePatchTekton(
    version: string,
    plural: string,
    namespace: string,
    name: string,
    patch: object,
  ): Promise<KubeObject> {
    const target = tektonTarget('patch', version, plural, namespace, name);
    return (await this.request(target, { path: pathOf(target), mergePatch: patch })) as KubeObject;
  }

  async getServiceAccount(namespace: string, name: string): Promise<ServiceAccount> {
    const target: Target = { verb: 'get', group: '', resource: 'serviceaccounts', namespace, name };
    return (await this.request(target, { path: pathOf(target) })) as ServiceAccount;
  }

  async getSecret(
    namespace: string,
    name: string,
    purpose: Target['purpose'] = 'registry-credentials',
  ): Promise<Secret> {
    const target: Target = { verb: 'get', group: '', resource: 'secrets', namespace, name, purpose };
    return (await this.request(target, { path: pathOf(target) })) as Secret;
  }

  /** Closes the kept connections; idle ones do not hold the process open, so this is optional. */
  async close(): Promise<void> {
    const dispatcher = this.dispatcher;
    this.dispatcher = undefined;
    await dispatcher?.close();
  }

  private async tryGetTekton(
    version: string,
    plural: string,
    namespace: string,
    name: string,
  ): Promise<{ object?: KubeObject; status?: ApiStatus; target: Target }> {
    const target = tektonTarget('get', version, plural, namespace, name);
    try {
      const object = (await this.request(target, { path: pathOf(target) }, { answers: [404] })) as KubeObject;
      return { object, target };
    } catch (error) {
      if (error instanceof StatusAnswer) return { status: error.status, target };
      throw error;
    }
  }

  /** Runs one API call with the timeout and retry policy; maps failures to AttestErrors. */
  private async request(target: Target, call: ApiCall, flags: { answers?: number[] } = {}): Promise<unknown> {
    const url = this.urlOf(call);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.once(target, url, call);
      if (outcome.kind === 'ok') return outcome.body;
      if (outcome.kind === 'status' && flags.answers?.includes(outcome.code)) {
        throw new StatusAnswer(outcome.code, outcome.status);
      }
      const delay = this.retryDelay(outcome, attempt);
      if (delay === undefined) throw failureError(target, outcome, attempt, this.connection, this.timeoutMs);
      log.warn(
        `kubernetes: ${describeTarget(target)}: ${outcome.summary}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${this.retry.attempts})`,
      );
      await sleep(delay);
    }
  }

  /** One try: the parsed body of a 2xx answer, or what went wrong. */
  private async once(target: Target, url: URL, call: ApiCall): Promise<Outcome> {
    const method = call.mergePatch ? 'PATCH' : 'GET';
    const { headers, dispatcher } = await this.authorize(target, url, method);
    // undici hands a kept-alive socket to the next request only one event-loop turn after the previous
    // response; sent sooner, the request opens a second connection (a second TLS handshake).
    await new Promise((resolve) => setImmediate(resolve));
    let response: Awaited<ReturnType<typeof send>>;
    try {
      response = await send({
        method,
        url,
        headers: {
          ...headers,
          accept: 'application/json',
          'user-agent': 'tekton-attest',
          ...(call.mergePatch ? { 'content-type': 'application/merge-patch+json' } : {}),
        },
        body: call.mergePatch ? JSON.stringify(call.mergePatch) : undefined,
        dispatcher,
        maxResponseBytes: this.maxResponseBytes,
        limitFlag: '--max-input-size',
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      if (error instanceof AttestError) throw error;
      return { ...classifyNetworkError(error), error };
    }
    const text = response.body.toString('utf8');
    if (response.status >= 200 && response.status < 300) {
      try {
        return { kind: 'ok', body: JSON.parse(text) as unknown };
      } catch (error) {
        throw new AttestError('KUBE_API', `${describeTarget(target)}: the answer is not JSON`, {
          hint: `check that ${this.connection.server} is a Kubernetes API server (not a proxy's page)`,
          cause: error,
        });
      }
    }
    const status = parseStatus(text);
    return {
      kind: 'status',
      code: response.status,
      status,
      retryAfter: response.headers['retry-after'],
      summary: `HTTP ${response.status}${status.reason ? ` ${status.reason}` : ''}`,
    };
  }

  /**
   * The credentials and TLS settings of this request, through the code path client-node's own API clients
   * use (token file re-read as it rotates, exec plugins, client certificates, impersonation). client-node
   * builds a new dispatcher each time; the first is kept, so connections are reused, and the others closed.
   */
  private async authorize(
    target: Target,
    url: URL,
    method: 'GET' | 'PATCH',
  ): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher }> {
    const context = new RequestContext(url.toString(), HttpMethod[method]);
    try {
      await this.connection.config.applySecurityAuthentication(context);
    } catch (error) {
      throw new AttestError(
        'KUBE_CONFIG',
        `${describeTarget(target)}: the credentials of ${this.connection.identity} cannot be applied: ${(error as Error).message.trim()}`,
        {
          hint: this.connection.inCluster
            ? "check the pod's service-account files (token, ca.crt)"
            : 'check the user and cluster of the kubeconfig context (certificate files, exec plugin)',
          cause: error,
        },
      );
    }
    const offered = context.getDispatcher();
    if (!this.dispatcher) this.dispatcher = offered ?? new Agent();
    else void offered?.close();
    const headers = context.getHeaders();
    redact(headers.Authorization?.replace(/^\w+ /, ''));
    return { headers, dispatcher: this.dispatcher };
  }

  private urlOf(call: ApiCall): URL {
    // The server URL may carry a path (a proxy in front of several clusters): append to it.
    const url = new URL(`${this.connection.server.replace(/\/+$/, '')}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  /** How long to wait before retrying, or undefined when the failure is final. */
  private retryDelay(failure: Failure, attempt: number): number | undefined {
    if (failure.kind === 'status') {
      return isTransientStatus(failure.code)
        ? retryDelay(this.retry, attempt, failure.retryAfter)
        : undefined;
    }
    return failure.retryable ? retryDelay(this.retry, attempt) : undefined;
  }
}

/** An error status the caller asked to handle itself (a 404 that means "try v1beta1", a 410 on a page). */
class StatusAnswer extends Error {
  constructor(
    readonly code: number,
    readonly status: ApiStatus | undefined,
  ) {
    super(`HTTP ${code}`);
  }
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

/** `/apis/GROUP/VERSION/namespaces/NS/RESOURCE[/NAME]`, or `/api/v1/...` for the core group. */
function pathOf(target: Target): string {
  const api = target.group ? `/apis/${target.group}/${target.version}` : '/api/v1';
  const name = target.name ? `/${encodeURIComponent(target.name)}` : '';
  return `${api}/namespaces/${encodeURIComponent(target.namespace)}/${target.resource}${name}`;
}
