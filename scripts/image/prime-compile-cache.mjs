// Fills Node's compile cache (NODE_COMPILE_CACHE) with the bundle's code, at image build time, so every Task
// pod compiles the CLI from cached V8 data instead of from source (docs/image.md).
//
//   NODE_COMPILE_CACHE=DIR node [the ENTRYPOINT's node flags] prime-compile-cache.mjs DIST
//
// Node keys the cache on its version, the V8 flags and the user id: run this with the flags of the
// ENTRYPOINT, as its USER. The CLI then finds the cache and reads it; a read-only root file system, another
// user or other flags are a cache miss, not an error.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? 'dist');
if (!process.env.NODE_COMPILE_CACHE) {
  console.error('prime-compile-cache: set NODE_COMPILE_CACHE to the cache directory');
  process.exit(2);
}
// The entry runs the CLI when loaded: `--help` compiles it, in a child started with this process's flags.
execFileSync(process.execPath, [...process.execArgv, join(dist, 'cli.js'), '--help'], { stdio: 'ignore' });
// run.js (the CLI behind the entry, which `--help` does not load) and every chunk, whichever command loads it:
// their top level only defines the bundle's functions.
const chunks = readdirSync(join(dist, 'chunks')).filter((name) => name.endsWith('.js'));
const modules = [join(dist, 'run.js'), ...chunks.map((name) => join(dist, 'chunks', name))];
for (const file of modules) await import(pathToFileURL(file).href);
console.log(
  `prime-compile-cache: ${modules.length + 1} modules compiled into ${process.env.NODE_COMPILE_CACHE}`,
);
