// An HTTP proxy in front of a plain-HTTP test registry that injects failures: 400s, 500s, 429s with Retry-After,
// connection resets in the middle of an upload body, and corrupted response bodies.
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from './registry.js';

export type FaultKind = '400' | '500' | '503' | '429' | 'reset-mid-body' | 'corrupt';

export interface Fault {
  kind: FaultKind;
  method?: string;
  /** Matched against the request path (with query). */
  path?: RegExp;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface FaultProxy {
  /** host:port of the proxy */
  host: string;
  url: string;
  /** Every request seen, `METHOD path -> outcome`. */
  log: string[];
  /** Faults still armed (times left > 0). */
  pending(): number;
  addFault(fault: Fault): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(upstream: string, faults: Fault[] = []): Promise<FaultProxy> {
  const armed = faults.map((f) => ({ ...f, left: f.times ?? 1 }));
  const log: string[] = [];
  const sockets = new Set<Socket>();
  const target = new URL(upstream);

  const take = (req: IncomingMessage) => {
    const fault = armed.find(
      (f) => f.left > 0 && (!f.method || f.method === req.method) && (!f.path || f.path.test(req.url ?? '')),
    );
    if (fault) fault.left--;
    return fault;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const fault = take(req);
    const line = `${req.method} ${req.url}`;
    if (fault?.kind === '400' || fault?.kind === '500' || fault?.kind === '503' || fault?.kind === '429') {
      log.push(`${line} -> injected ${fault.kind}`);
      req.resume();
      req.on('end', () => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.kind === '429') headers['retry-after'] = '1';
        res.writeHead(Number(fault.kind), headers);
        res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected by the fault proxy' }] }));
      });
      return;
    }
    if (fault?.kind === 'reset-mid-body') {
      // Forward nothing: read part of the body, then cut the connection as a dying registry would.
      log.push(`${line} -> injected reset`);
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > 0) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }
    const upstreamReq = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upstreamRes) => {
        log.push(`${line} -> ${upstreamRes.statusCode}${fault ? ` (${fault.kind})` : ''}`);
        if (fault?.kind === 'corrupt') {
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (c: Buffer) => chunks.push(c));
          upstreamRes.on('end', () => {
            const body = Buffer.concat(chunks);
            if (body.length > 0) body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 0xff;
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            res.end(body);
          });
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const host = `127.0.0.1:${port}`;
  return {
    host,
    url: `http://${host}`,
    log,
    pending: () => armed.reduce((n, f) => n + f.left, 0),
    addFault: (fault) => armed.push({ ...fault, left: fault.times ?? 1 }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
