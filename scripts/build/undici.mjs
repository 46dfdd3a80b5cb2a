// Stand-in for the `undici` package in the bundle (scripts/build.mjs aliases it here): the dispatchers the
// CLI and client-node's KubeConfig use, nothing else. undici's index.js also builds fetch, WebSocket,
// EventSource, the cache and the mock agents as soon as it is imported: 0.23 MB of the bundle and some
// 30 more Node built-ins at every start, for APIs nothing here calls. A name imported from `undici` that
// is missing here fails the build, not a run.
import api from '../../node_modules/undici/lib/api/index.js';
import Agent from '../../node_modules/undici/lib/dispatcher/agent.js';
import Dispatcher from '../../node_modules/undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgent from '../../node_modules/undici/lib/dispatcher/env-http-proxy-agent.js';
import ProxyAgent from '../../node_modules/undici/lib/dispatcher/proxy-agent.js';
// Before any connection: llhttp compiled to stay on V8's baseline compiler (see the file).
import './undici-llhttp.cjs';

// As undici's index.js does: dispatcher.request() and the other request APIs.
Object.assign(Dispatcher.prototype, api);

export { Agent, Dispatcher, EnvHttpProxyAgent, ProxyAgent };

// client-node's watch, log, metrics and generated-API modules import fetch; the bundle drops them (nothing
// here uses them), but the name must resolve. Node's own fetch (an undici too) stands in.
export const { fetch } = globalThis;
