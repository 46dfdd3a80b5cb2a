// A counting proxy in front of the test registry (127.0.0.1 only): every request is forwarded unchanged and
// recorded with its body and the registry's answer, so the bench can count registry requests per run and
// hand the exact sequence to the floor (bench/floor.mjs).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  status: number;
  /** The registry's Location header (upload sessions), if any. */
  location?: string;
}

export interface CountingProxy {
  /** host:port of the proxy, the registry host the runs name. */
  host: string;
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/** Request headers the registry acts on; the floor replays exactly these. */
const REPLAYED = ['accept', 'content-type', 'content-length', 'content-range'];

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const name of REPLAYED) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const recorded: ProxiedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers,
        body,
        status: 0,
      };
      requests.push(recorded);
      const forward = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: recorded.method,
          path: recorded.url,
          // The Host header stays the proxy's, so the registry's Location URLs point back through it.
          headers: req.headers,
          agent,
        },
        (answer) => {
          recorded.status = answer.statusCode ?? 0;
          const location = answer.headers.location;
          if (location) recorded.location = location;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => {
        recorded.status = 502;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${error.message}`);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
