// The floor of `tekton-attest attest`: a Node process that makes the same HTTP requests, with the same
// bodies, in the same order, and nothing else (no statement, no signing, no parsing beyond the upload
// Location the registry protocol requires). bench/main.ts records what attest sent (the fake Kubernetes API's
// request log and the counting registry proxy) and runs this with the trace file:
//
//   node bench/floor.mjs TRACE.json
//
// TRACE.json: {targets: {kube, registry}, token, requests: [{target, method, path, headers, body?, session?,
// opens?}]}; body is base64; `opens` names the upload session a POST starts, `session` the session a later
// PATCH/PUT continues (its URL is the session's latest Location plus the recorded query, without _state).
// Exit 0 when every request got an answer; prints `requests N statusMismatches M` on stderr (FLOOR_DEBUG=1: each
// request with its status and the time since start).
import { readFileSync } from 'node:fs';
import http from 'node:http';

const trace = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const agent = new http.Agent({ keepAlive: true });
const sessions = new Map();
let mismatches = 0;

function send(base, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const request = http.request(url, { method, headers, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

for (const r of trace.requests) {
  const base = trace.targets[r.target];
  let path = r.path;
  if (r.session !== undefined) {
    const url = new URL(sessions.get(r.session), base);
    for (const [key, value] of new URL(r.path, base).searchParams) {
      if (key !== '_state') url.searchParams.set(key, value);
    }
    path = `${url.pathname}${url.search}`;
  }
  const headers = { ...r.headers };
  if (r.target === 'kube') headers.authorization = `Bearer ${trace.token}`;
  const body = r.body === undefined ? undefined : Buffer.from(r.body, 'base64');
  if (body) headers['content-length'] = String(body.length);
  const response = await send(base, r.method, path, headers, body);
  const session = r.opens ?? r.session;
  if (session !== undefined && response.headers.location) sessions.set(session, response.headers.location);
  if (response.statusCode !== r.status) mismatches++;
  if (process.env.FLOOR_DEBUG) {
    process.stderr.write(
      `${Math.round(performance.now())} ${r.method} ${path} ${response.statusCode} (was ${r.status})\n`,
    );
  }
}
agent.destroy();
process.stderr.write(`requests ${trace.requests.length} statusMismatches ${mismatches}\n`);
