// undici parses HTTP/1 answers with llhttp compiled to WebAssembly. V8 runs wasm functions on its baseline
// compiler (Liftoff) and recompiles the hot ones with TurboFan on a worker thread: llhttp's parser is one
// 33 KB function, and that recompilation cost every CLI run ~75 ms of CPU and 9-17 MB of compiler memory
// (about a fifth of `attest`'s CPU and its peak RSS; docs/benchmark.md), for a few dozen answers that the faster
// code never pays back. V8 fixes a wasm module's tier-up budget when it compiles the module, and hands the
// module it holds for the same bytes to a later `new WebAssembly.Module(...)`: compiled here, with the budget
// out of reach, undici's own compile of llhttp (on its first connection) gets this module and stays on Liftoff.
//
// The budget is a V8 flag, set and put back around these two synchronous compiles. Node's compile cache and
// its built-in modules' code cache are keyed on V8's flags (v8.cachedDataVersionTag()), so the flag must be
// back at its default before any other code is compiled: the default is V8's, known for the V8 this was
// measured on, and the whole step is skipped on another V8, or when the budget was set on the command line.
//
// CommonJS so that the bundle hands over undici's Buffers as they are: an ES import of a CommonJS module makes
// esbuild copy the module's exports one property at a time, 54 000 getters for a Buffer's bytes (14 MB).
const v8 = require('node:v8');

const BUDGET_FLAG = '--wasm-tiering-budget';
/** V8's default budget, for the V8 versions it is known for (`node --v8-options`). */
const DEFAULT_BUDGETS = { 12.4: 13_000_000 };
const NO_TIER_UP = 2 ** 31 - 1;

/** Held for the whole run: V8 keeps a compiled module for its bytes only while a module object uses it. */
module.exports = { llhttpOnBaseline: compileOnBaseline() };

function compileOnBaseline() {
  const defaultBudget = DEFAULT_BUDGETS[process.versions.v8.split('.').slice(0, 2).join('.')];
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) =>
    arg.includes(BUDGET_FLAG),
  );
  if (defaultBudget === undefined || given || typeof WebAssembly === 'undefined') return [];
  v8.setFlagsFromString(`${BUDGET_FLAG}=${NO_TIER_UP}`);
  try {
    // Both builds: undici takes the SIMD one where the CPU has SIMD (and UNDICI_NO_WASM_SIMD does not say no).
    const builds = [
      () => require('../../node_modules/undici/lib/llhttp/llhttp_simd-wasm.js'),
      () => require('../../node_modules/undici/lib/llhttp/llhttp-wasm.js'),
    ];
    return builds.flatMap((bytes) => {
      try {
        return [new WebAssembly.Module(bytes())];
      } catch {
        return [];
      }
    });
  } finally {
    v8.setFlagsFromString(`${BUDGET_FLAG}=${defaultBudget}`);
  }
}
