// An esbuild plugin (scripts/build.mjs): undici's HTTP/2 client (lib/dispatcher/client-h2.js) requires
// node:http2 as soon as undici is imported, to read protocol constants: compiling Node's http2 module costs
// about 25 ms of CPU at every `attest`, whose registry and API connections speak HTTP/1.1. Its require gets
// this module instead: the same constants (RFC 9113's, read from node:http2 when the bundle is built) and a
// connect() that loads node:http2 on the first HTTP/2 connection.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const CLIENT_H2 = /[/\\]node_modules[/\\]undici[/\\]lib[/\\]dispatcher[/\\]client-h2\.js$/;

export const undiciHttp2OnDemand = {
  name: 'undici-http2-on-demand',
  setup(build) {
    build.onResolve({ filter: /^(node:)?http2$/ }, ({ importer }) =>
      CLIENT_H2.test(importer) ? { path: 'http2', namespace: 'undici-http2' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'undici-http2' }, () => ({
      contents: [
        `exports.constants = ${JSON.stringify(require('node:http2').constants)};`,
        "exports.connect = (...args) => process.getBuiltinModule('node:http2').connect(...args);",
      ].join('\n'),
      loader: 'js',
    }));
  },
};
