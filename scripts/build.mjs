// Bundles the CLI with esbuild into dist/ (ESM, code-split so lazily imported commands become chunks).
import { execFile } from 'node:child_process';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { builtinsWithoutFacades } from './build/builtins.mjs';
import { undiciHttp2OnDemand } from './build/undici-http2.mjs';

const run = promisify(execFile);

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

// Every command path with a help text of its own (src/cli/commands.ts; test/e2e/help.test.ts checks
// the list is complete). yargs renders each, as `--help` always did: the built CLI runs before help.json exists.
const HELP_PATHS = [
  '',
  'attest',
  'payload',
  'verify',
  'keygen',
  'demo',
  'bundle',
  'bundle push',
  'bundle list',
];

/** dist/help.json: what `tekton-attest PATH --help` prints, for src/cli/stored-help.ts. */
async function writeStoredHelp(dir) {
  const texts = await Promise.all(
    HELP_PATHS.map(async (path) => {
      const args = [`${dir}/cli.js`, ...path.split(' ').filter(Boolean), '--help'];
      // No TEKTON_ATTEST_* variables of the build's environment in the texts.
      const { stdout } = await run(process.execPath, args, { env: {} });
      return [path, stdout];
    }),
  );
  await writeFile(`${dir}/help.json`, `${JSON.stringify(Object.fromEntries(texts))}\n`);
}

// Build beside dist/ and swap it in, so a CLI already running from dist/ (a parallel test) keeps working.
const outdir = `dist.tmp-${process.pid}`;
const common = {
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};
// dist/run.js: the CLI, code-split so each command's code (and its dependencies) is a chunk of its own.
const result = await build({
  ...common,
  entryPoints: { run: 'src/cli/run.ts' },
  splitting: true,
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
});
// A namespace import of a built-in's getter has no export to bind (scripts/build/builtins.mjs): fail on it.
const unbound = result.warnings.filter((warning) => warning.text.includes('node-builtin:'));
if (unbound.length > 0) {
  await rm(outdir, { recursive: true, force: true });
  throw new Error(`built-in getters imported by name: ${unbound.map((w) => w.text).join('; ')}`);
}
// dist/cli.js: the entry, one file of its own (no chunk shared with run.js), so a `--help` it answers from
// dist/help.json loads nothing else; it imports run.js for everything else.
const runExternal = {
  name: 'run-external',
  setup(build) {
    build.onResolve({ filter: /^\.\/run\.js$/ }, ({ path }) => ({ path, external: true }));
  },
};
const entry = await build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts' },
  plugins: [runExternal, builtinsWithoutFacades],
});
await chmod(`${outdir}/cli.js`, 0o755);
await writeStoredHelp(outdir);
const previous = `dist.old-${process.pid}`;
await rename('dist', previous).catch(() => undefined);
await rename(outdir, 'dist');
await rm(previous, { recursive: true, force: true });
const bytes = [...Object.entries(result.metafile.outputs), ...Object.entries(entry.metafile.outputs)]
  .filter(([file]) => file.endsWith('.js'))
  .reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`built dist/cli.js (${(bytes / 1024).toFixed(0)} KiB of JavaScript in all chunks)`);
