// A forward HTTP proxy on 127.0.0.1, as a corporate proxy in front of a registry: CONNECT tunnels (how
// clients reach https:// origins, and http:// ones when they tunnel) and absolute-form requests (how they
// may send plain http://). Records the host:port of every origin it was asked for.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface TestProxy {
  url: string;
  /** host:port per request or tunnel, in order. */
  targets: string[];
  stop(): Promise<void>;
}

export async function startProxy(): Promise<TestProxy> {
  const targets: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '');
    targets.push(url.host);
    const upstream = http.request(url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => (socket === client ? upstream : client).destroy());
      socket.on('close', () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    async stop() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
