import type { Dispatcher } from 'undici';
import { AttestError } from '../errors.js';
import { formatBytes } from '../limits.js';

/** One HTTP exchange on undici, with a bounded response body and an optional deadline. No retries here. */

export interface SendRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string | URL;
  headers?: Record<string, string>;
  body?: Uint8Array | string | undefined;
  dispatcher: Dispatcher;
  /** Refuse bodies larger than this: a server's answer is untrusted input. */
  maxResponseBytes: number;
  /** The option that raises maxResponseBytes, named in the error; none when the limit is fixed. */
  limitFlag?: string | undefined;
  /** Deadline of the whole exchange, the body included; none when unset (the dispatcher's own timeouts). */
  timeoutMs?: number | undefined;
}

export interface SendResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
}

/** A request on the wire, for the run's deadline to name what it was waiting on. */
export interface InFlight {
  readonly method: string;
  /** origin and path, without the query (which may carry a signed URL's credentials). */
  readonly url: string;
  readonly startedAt: number;
}

const inFlight = new Set<InFlight>();

/** The request that has waited longest, if any is on the wire. */
export function longestInFlight(): InFlight | undefined {
  let oldest: InFlight | undefined;
  for (const request of inFlight) if (!oldest || request.startedAt < oldest.startedAt) oldest = request;
  return oldest;
}

export async function send(req: SendRequest): Promise<SendResponse> {
  const url = new URL(req.url);
  const tracked: InFlight = {
    method: req.method,
    url: `${url.origin}${url.pathname}`,
    startedAt: Date.now(),
  };
  inFlight.add(tracked);
  try {
    return await exchange(req, url);
  } finally {
    inFlight.delete(tracked);
  }
}

async function exchange(req: SendRequest, url: URL): Promise<SendResponse> {
  const res = await req.dispatcher.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: req.method,
    ...(req.headers ? { headers: req.headers } : {}),
    body: req.body === undefined || typeof req.body === 'string' ? req.body : asBuffer(req.body),
    ...(req.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(req.timeoutMs) }),
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const body = await readBody(res.body, req, url);
  return { status: res.statusCode, headers, body };
}

async function readBody(body: Dispatcher.ResponseData['body'], req: SendRequest, url: URL): Promise<Buffer> {
  const max = req.maxResponseBytes;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      // Leaving the loop destroys the stream, so the rest is not read.
      throw new AttestError(
        'TOO_LARGE',
        `${req.method} ${url.origin}${url.pathname}: the answer is larger than ${formatBytes(max)}${req.limitFlag ? ` (${req.limitFlag})` : ''}`,
        {
          hint: req.limitFlag
            ? `check the address (or a proxy in between); if the answer is legitimately that large, raise ${req.limitFlag}`
            : 'the server sent more than any answer to this request should hold; check the URL, or a proxy in between',
        },
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** The bytes as a Buffer without copying them (Buffer.from(bytes) copies: a second envelope in memory). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
