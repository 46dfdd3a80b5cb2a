#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isAttestError, reasonOf } from '../errors.js';
import { log, maskSecrets, setLogLevel } from '../log.js';
import { commands } from './commands/index.js';

/** Exit codes: 0 success, 1 the job failed (a backend, verification), 2 unusable input or usage. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

async function main(argv: string[]): Promise<void> {
  const cli = yargs(argv);
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
    .middleware(dropEmptyValues, true)
    .middleware((args) => ignoreForeignEnvironment(args, cli), true)
    .middleware((args) => setLogLevel(args['log-level'] as 'info'))
    // Every option can also come from TEKTON_ATTEST_<NAME> (how the Task passes params without a script).
    .env(ENV_PREFIX)
    .command(commands)
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .wrap(Math.min(120, process.stdout.columns ?? 120))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  await cli.parseAsync();
}

class UsageError extends Error {}

const ENV_PREFIX = 'TEKTON_ATTEST';

/**
 * yargs turns every TEKTON_ATTEST_* variable into an argument, and strict mode would then reject ones this
 * command does not know (a cache path, another command's option). Only typed arguments are strict.
 */
function ignoreForeignEnvironment(args: Record<string, unknown>, cli: object): void {
  // getOptions() is public yargs API but missing from @types/yargs; it lists the running command's options.
  const options = (cli as { getOptions(): { key: Record<string, unknown> } }).getOptions();
  const known = new Set(Object.keys(options.key));
  for (const name of Object.keys(args)) {
    if (name === '_' || name === '$0' || known.has(name)) continue;
    const variable = `${ENV_PREFIX}_${name
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .replaceAll('-', '_')
      .toUpperCase()}`;
    if (process.env[variable] !== undefined) delete args[name];
  }
}

/**
 * A Task param left at its default "" reaches us as an empty TEKTON_ATTEST_* variable. Empty means "not
 * set" (so defaults and --chains-config apply), never the empty string, which choices would reject.
 */
function dropEmptyValues(args: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(args)) {
    const empty = value === '' || (Array.isArray(value) && value.every((item) => item === ''));
    if (empty) delete args[name];
  }
}

main(hideBin(process.argv)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    log.error(error.message);
    process.exitCode = EXIT_USAGE;
    return;
  }
  log.error(maskSecrets(reasonOf(error)));
  if (!isAttestError(error) && error instanceof Error && error.stack) log.debug(error.stack);
  process.exitCode = isAttestError(error) && error.code.startsWith('INVALID') ? EXIT_USAGE : EXIT_FAILED;
});
