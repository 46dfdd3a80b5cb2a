// A registry that never finishes an answer, for the deadline tests (faults a real registry does not produce
// on purpose): `trickle` sends the headers, then a byte every 300 ms forever, so an idle timeout never fires
// (HEAD: 404);
// `silent` reads the request and never answers.
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from './registry.js';

export interface StallingServer {
  /** host:port */
  host: string;
  /** Requests seen, `METHOD path`. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startStallingServer(mode: 'trickle' | 'silent'): Promise<StallingServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (mode === 'silent') return;
    // HEAD has no body to trickle: "not there", so the client goes on to requests that have one.
    if (req.method === 'HEAD') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => res.write(' '), 300);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
