// `node --import ./bench/loaded-modules.mjs dist/cli.js ...`: records every module file the command loads and
// writes the list (file URLs) and Node's built-in modules loaded to $BENCH_LOADED_OUT at exit, so the bench reports the JavaScript a command
// actually loads (not what the bundle could load).
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = new Set();
registerHooks({
  load(url, context, next) {
    if (url.startsWith('file:')) loaded.add(url);
    return next(url, context);
  },
});
process.on('exit', () => {
  if (!process.env.BENCH_LOADED_OUT) return;
  // Node's own modules compiled on demand (not in its startup snapshot) cost start-up time too.
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule '));
  writeFileSync(process.env.BENCH_LOADED_OUT, JSON.stringify({ files: [...loaded], builtins }));
});
