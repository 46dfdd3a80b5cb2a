import { fstatSync, readFileSync } from 'node:fs';

/**
 * `--help` without loading yargs. scripts/build.mjs runs the built CLI once per command path with `--help`,
 * so yargs renders every help text from the same declarations as always, and writes them to dist/help.json
 * (command path -> text, at the width yargs wraps to without a narrower terminal). A command line that is a
 * command path followed by `--help` or `-h` is answered from there: about half the start-up time of a
 * `--help` was loading yargs and laying out its help (docs/benchmark.md). Anything else, a missing or
 * unreadable file, or a terminal narrower than that width, goes to yargs as before.
 */
export const HELP_WIDTH = 120;
const HELP_FLAGS = new Set(['--help', '-h']);

/** Prints the stored help this command line asks for; false when it asks for something else. */
export function printStoredHelp(argv: readonly string[], helpFile: URL): boolean {
  const path = argv.slice(0, -1);
  if (!HELP_FLAGS.has(argv.at(-1) ?? '') || path.some((word) => word.startsWith('-'))) return false;
  if (narrowTerminal()) return false;
  const text = storedHelp(helpFile)?.[path.join(' ')];
  if (text === undefined) return false;
  process.stdout.write(text);
  return true;
}

function storedHelp(helpFile: URL): Record<string, string> | undefined {
  try {
    return JSON.parse(readFileSync(helpFile, 'utf8')) as Record<string, string>;
  } catch {
    return undefined;
  }
}

/** A terminal (a character device: /dev/null is one too, without columns) narrower than the stored texts. */
function narrowTerminal(): boolean {
  try {
    if (!fstatSync(1).isCharacterDevice()) return false;
  } catch {
    return true; // no stdout to look at: yargs answers, as it always did
  }
  return (process.stdout.columns ?? HELP_WIDTH) < HELP_WIDTH;
}
