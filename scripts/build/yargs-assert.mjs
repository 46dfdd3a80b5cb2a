// Stand-in for `assert` where yargs imports it (scripts/build.mjs resolves yargs' `import ... from 'assert'`
// here, nothing else's): yargs checks a few of its own invariants with strictEqual and notStrictEqual, and
// importing node:assert costs about 5-10 ms at every start (its diff and inspect machinery). A check that
// fails goes to node:assert itself, for its error and message.
const assert = () => process.getBuiltinModule('node:assert');

export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) assert().strictEqual(actual, expected, message);
}

export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) assert().notStrictEqual(actual, expected, message);
}
