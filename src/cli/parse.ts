import yargs from 'yargs';
import { setLogLevel } from '../log.js';
import { commands, type Invocation } from './commands.js';
import { HELP_WIDTH } from './stored-help.js';

export const ENV_PREFIX = 'TEKTON_ATTEST';

/** A usage mistake yargs found (unknown option, missing command): exit 2 with its message. */
export class UsageError extends Error {}

/**
 * Parses a command line (and TEKTON_ATTEST_* env) into the command to run with its typed config. Returns
 * undefined when there is nothing to run (`--help`, `--version`).
 */
export async function parseCommandLine(argv: readonly string[]): Promise<Invocation | undefined> {
  let invocation: Invocation | undefined;
  const cli = yargs([...argv]);
  cli
    .scriptName('tekton-attest')
    .usage(
      '$0 <command> [options]\n\nChains-compatible SLSA provenance for Tekton PipelineRuns, from a finally task.',
    )
    .option('log-level', {
      type: 'string',
      choices: ['debug', 'info', 'warn', 'error'],
      default: 'info',
      describe: 'How much to log (to stderr)',
    })
    .middleware((args) => settleEmptyValues(args, argv, optionsOf(cli)), true)
    .middleware((args) => ignoreForeignEnvironment(args, optionsOf(cli)), true)
    .middleware((args) => setLogLevel(args['log-level'] as 'info'))
    // Every option can also come from TEKTON_ATTEST_<NAME> (how the Task passes params without a script).
    .env(ENV_PREFIX)
    .command(
      commands((found) => {
        invocation = found;
      }),
    )
    .demandCommand(1, 'Name a command: attest, payload, verify, bundle, keygen or demo (see --help).')
    .strict()
    .wrap(Math.min(HELP_WIDTH, process.stdout.columns ?? HELP_WIDTH))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  skipHelpCache(cli);
  await cli.parseAsync();
  return invocation;
}

/**
 * After a command's handler, yargs renders that command's whole help and keeps it, for a showHelp() that
 * might follow: about 10 ms of layout per run (`attest` has some 60 options). Nothing here shows help after
 * parsing (`.fail` throws), so the rendering is skipped; `--help` renders it as it always does.
 */
function skipHelpCache(cli: object): void {
  const internals = cli as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } };
  internals.getInternalMethods().getUsageInstance().cacheHelpMessage = () => undefined;
}

/** What yargs knows of the running command's options (public API, missing from @types/yargs). */
interface ParserOptions {
  key: Record<string, unknown>;
  boolean: string[];
  choices: Record<string, unknown[]>;
  alias: Record<string, string[]>;
}

function optionsOf(cli: object): ParserOptions {
  return (cli as { getOptions(): ParserOptions }).getOptions();
}

function envVariable(name: string): string {
  return `${ENV_PREFIX}_${name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replaceAll('-', '_')
    .toUpperCase()}`;
}

/**
 * yargs turns every TEKTON_ATTEST_* variable into an argument, and strict mode would then reject ones this
 * command does not know (a cache path, another command's option). Only typed arguments are strict.
 */
function ignoreForeignEnvironment(args: Record<string, unknown>, options: ParserOptions): void {
  const known = new Set(Object.keys(options.key));
  for (const name of Object.keys(args)) {
    if (name === '_' || name === '$0' || known.has(name)) continue;
    if (process.env[envVariable(name)] !== undefined) delete args[name];
  }
}

/** How each option was typed on the command line: `--name`, `--name=value`/`--name value`, or `--name=`. */
type Typed = 'bare' | 'valued' | 'empty';

function typedOptions(argv: readonly string[], options: ParserOptions): Map<string, Typed> {
  const typed = new Map<string, Typed>();
  const canonical = new Map<string, string>();
  for (const [name, aliases] of Object.entries(options.alias ?? {})) {
    for (const alias of aliases) canonical.set(alias, name);
  }
  for (const [index, token] of argv.entries()) {
    if (token === '--') break;
    const match = /^--?(?:no-)?([^=]+)(=?)(.*)$/.exec(token);
    if (!match?.[1] || !token.startsWith('-')) continue;
    const name = canonical.get(match[1]) ?? match[1];
    const next = argv[index + 1];
    const how: Typed = match[2]
      ? match[3] === ''
        ? 'empty'
        : 'valued'
      : next === undefined || next.startsWith('-')
        ? 'bare'
        : 'valued';
    typed.set(name, how);
  }
  return typed;
}

/**
 * An empty value means different things by where it came from. A Task param left at its default "" reaches
 * us as an empty TEKTON_ATTEST_* variable: that means "not set" (so defaults and --chains-config apply),
 * never the empty string (which choices would reject) nor false (yargs' reading of "" for a boolean). A
 * true/false(/manual) flag a user types without a value means true: `--transparency` turns the log on, as
 * `--sign-images` does; `--sign-images=` or `--transparency=` is refused rather than read as off. Any other
 * option typed with an empty value (`--output-dir ''`) is refused too, rather than read as unset: its default
 * (the current directory, for keygen) is not what the user asked for.
 */
function settleEmptyValues(
  args: Record<string, unknown>,
  argv: readonly string[],
  options: ParserOptions,
): void {
  const typed = typedOptions(argv, options);
  const kebab = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  for (const [name, value] of Object.entries(args)) {
    if (name === '_' || name === '$0') continue;
    const option = kebab(name);
    const how = typed.get(option);
    const trueFalse = options.boolean.includes(option) || isTrueFalseChoice(options.choices[option]);
    if (how === undefined) {
      const variable = process.env[envVariable(option)];
      if (variable !== undefined && variable.trim() === '') delete args[name];
      continue;
    }
    if (trueFalse && how === 'empty') {
      throw new UsageError(`--${option}= has no value: give --${option} alone (true) or --${option}=false`);
    }
    const empty = value === '' || (Array.isArray(value) && value.every((item) => item === ''));
    if (!empty) continue;
    if (trueFalse && how === 'bare') args[name] = 'true';
    else
      throw new UsageError(
        `--${option} has an empty value: give it a value, or leave it out for its default`,
      );
  }
}

function isTrueFalseChoice(choices: unknown[] | undefined): boolean {
  return (choices?.includes('true') && choices.includes('false')) === true;
}
