// Bundles the CLI with esbuild into dist/ (ESM, code-split so lazily imported commands become chunks).
import { chmod, rename, rm } from 'node:fs/promises';
import { build } from 'esbuild';
import { builtinsWithoutFacades } from './build/builtins.mjs';
import { undiciHttp2OnDemand } from './build/undici-http2.mjs';

// client-node's index reaches its generated APIs and ~1 MB of models, ws, tar...; without `sideEffects: false`
// esbuild keeps them all. Its dist/ modules only define things, so marking them pure keeps just what src/kube uses.
const clientNodeWithoutSideEffects = {
  name: 'client-node-side-effect-free',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (
        args.pluginData === 'resolved' ||
        !/@kubernetes[/\\]client-node/.test(`${args.importer} ${args.path}`)
      ) {
        return undefined;
      }
      const { kind, resolveDir, importer } = args;
      const result = await build.resolve(args.path, { kind, resolveDir, importer, pluginData: 'resolved' });
      if (result.errors.length > 0 || !/@kubernetes[/\\]client-node[/\\]dist[/\\]/.test(result.path))
        return result;
      return { ...result, sideEffects: false };
    });
  },
};

// yargs' few `assert` calls need two functions, not node:assert (scripts/build/yargs-assert.mjs).
const yargsAssert = {
  name: 'yargs-assert',
  setup(build) {
    build.onResolve({ filter: /^(node:)?assert$/ }, ({ importer }) =>
      /[/\\]node_modules[/\\]yargs[/\\]/.test(importer)
        ? { path: new URL('./build/yargs-assert.mjs', import.meta.url).pathname }
        : undefined,
    );
  },
};

// Build beside dist/ and swap it in, so a CLI already running from dist/ (a parallel test) keeps working.
const outdir = `dist.tmp-${process.pid}`;
const result = await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  // Stand-ins that keep dependencies' import-time work off every start; each file says why.
  alias: { 'string-width': './scripts/build/string-width.mjs', undici: './scripts/build/undici.mjs' },
  // minipass-fetch (under @sigstore/sign) loads iconv-lite optionally, inside a try, for a text-decoding call
  // nothing here makes; bundled it would be 0.48 MB, a third of the keyless chunk (see bench/ and docs/benchmark.md).
  external: ['iconv-lite'],
  plugins: [clientNodeWithoutSideEffects, yargsAssert, undiciHttp2OnDemand, builtinsWithoutFacades],
  // CommonJS dependencies call require(); ESM output has none, so provide one.
  banner: {
    js: "import { createRequire as __tektonAttestCreateRequire } from 'node:module'; const require = __tektonAttestCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// A namespace import of a built-in's getter has no export to bind (scripts/build/builtins.mjs): fail on it.
const unbound = result.warnings.filter((warning) => warning.text.includes('node-builtin:'));
if (unbound.length > 0) {
  await rm(outdir, { recursive: true, force: true });
  throw new Error(`built-in getters imported by name: ${unbound.map((w) => w.text).join('; ')}`);
}
await chmod(`${outdir}/cli.js`, 0o755);
const previous = `dist.old-${process.pid}`;
await rename('dist', previous).catch(() => undefined);
await rename(outdir, 'dist');
await rm(previous, { recursive: true, force: true });
const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`built dist/cli.js (${(bytes / 1024).toFixed(0)} KiB of JavaScript in all chunks)`);
