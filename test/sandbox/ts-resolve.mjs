// Lets Node run the sandbox's TypeScript directly (Node 22 strips the types): the sources import each other
// as `./x.js`, as tsc wants, so a missing .js resolves to the .ts beside it.
import { register } from 'node:module';

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !/^\.\.?\//.test(specifier) || !specifier.endsWith('.js'))
      throw e;
    return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
  }
}

// `node --import ./test/sandbox/ts-resolve.mjs` registers this file as the resolve hook.
if (!process.env.TEKTON_ATTEST_TS_RESOLVE_REGISTERED) {
  process.env.TEKTON_ATTEST_TS_RESOLVE_REGISTERED = '1';
  register(import.meta.url);
}
