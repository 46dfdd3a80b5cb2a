// `npm run bench` (after `npm run build`): bundles bench/main.ts and the test harness it uses with esbuild into
// .cache/bench/ (so its bare imports resolve from this repository's node_modules) and runs it.
import { mkdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const outfile = '.cache/bench/main.mjs';
await mkdir('.cache/bench', { recursive: true });
await build({
  entryPoints: ['bench/main.ts'],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
