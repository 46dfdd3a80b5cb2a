// Bundles the CLI with esbuild into dist/ (ESM, code-split so lazily imported commands become chunks).
import { chmod, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const outdir = 'dist';
await rm(outdir, { recursive: true, force: true });
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
  // CommonJS dependencies call require(); ESM output has none, so provide one.
  banner: {
    js: "import { createRequire as __tektonAttestCreateRequire } from 'node:module'; const require = __tektonAttestCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
await chmod(`${outdir}/cli.js`, 0o755);
const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`built ${outdir}/cli.js (${(bytes / 1024).toFixed(0)} KiB of JavaScript in all chunks)`);
