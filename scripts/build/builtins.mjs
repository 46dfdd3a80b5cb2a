// An esbuild plugin (scripts/build.mjs): the bundle's `import ... from 'node:http'` (and of every other Node
// built-in with getters among its exports) becomes `process.getBuiltinModule('node:http')`. An ES import of a built-in makes Node build the
// module's ES facade, which reads every export once, lazy getters included: `http.WebSocket` loads Node's
// own undici (about 20 ms of CPU at every `attest`, for an API nothing here uses), `fs.promises` the promise API and
// readline, `crypto.webcrypto` WebCrypto, `tls.rootCertificates` parses every root certificate. Here the
// named exports are the module's plain values; a getter is read only where code reads it from the module
// object (the default export). A named or namespace import of a getter does not resolve: the build fails
// on it (scripts/build.mjs turns this plugin's warnings into errors), never a run.
import { builtinModules, createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const BUILTINS = new Set(builtinModules);

/** Whether a built-in has getters among its exports: the others' facades cost nothing, they stay imports. */
function hasGetters(name) {
  return Object.values(Object.getOwnPropertyDescriptors(require(name))).some((descriptor) => descriptor.get);
}
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export const builtinsWithoutFacades = {
  name: 'builtins-without-facades',
  setup(build) {
    // ES imports only: a require() (CommonJS dependencies) gets the module object itself, getters and all.
    build.onResolve({ filter: /^(node:)?[a-z_][a-z0-9_/]*$/ }, ({ path, kind }) => {
      const name = path.replace(/^node:/, '');
      if (kind !== 'import-statement' || !BUILTINS.has(name) || !hasGetters(name)) return undefined;
      return { path: name, namespace: 'node-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, ({ path }) => {
      const descriptors = Object.getOwnPropertyDescriptors(require(path));
      const values = Object.entries(descriptors)
        .filter(([key, descriptor]) => 'value' in descriptor && descriptor.enumerable && IDENTIFIER.test(key))
        .map(([key]) => key)
        .filter((key) => key !== 'default');
      // One export per value, each read through a call marked pure: esbuild drops the exports nothing imports.
      return {
        contents: [
          `const __builtin = process.getBuiltinModule(${JSON.stringify(`node:${path}`)});`,
          'const __builtinValue = (key) => __builtin[key];',
          'export default __builtin;',
          ...values.map(
            (key) => `export const ${key} = /* @__PURE__ */ __builtinValue(${JSON.stringify(key)});`,
          ),
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};
