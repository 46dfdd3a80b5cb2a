import { DeadlineExceeded } from '../commands/deadline.js';
import { isAttestError, reasonOf } from '../errors.js';
import { log, maskSecrets } from '../log.js';
import type { Invocation } from './commands.js';
import { parseCommandLine, UsageError } from './parse.js';

/**
 * Exit codes: 0 success, 1 the job failed (a backend, verification, a policy's denial), 2 unusable input or
 * usage, and for `verify --policy` signatures that do not verify (so 1 there always means "denied").
 */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Runs the parsed command; each command's code (and its dependencies) loads only when it runs. */
async function run(invocation: Invocation): Promise<void> {
  switch (invocation.command) {
    case 'attest':
      return (await import('../commands/attest.js')).runAttest(invocation.config);
    case 'payload':
      return void (await (await import('../commands/payload.js')).runPayload(invocation.config));
    case 'verify':
      return (await import('../commands/verify.js')).runVerify(invocation.config);
    case 'bundle':
      return (await import('../commands/bundle.js')).runBundle(invocation.config);
    case 'keygen':
      return (await import('../commands/keygen.js')).runKeygen(invocation.config);
    case 'demo':
      return void (await (await import('../commands/demo.js')).runDemo(invocation.config));
  }
}

/** Parses the command line and runs the command; sets the exit code and logs the reason when it fails. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    const invocation = await parseCommandLine(argv);
    if (invocation) await run(invocation);
  } catch (error) {
    fail(error);
  }
}

function fail(error: unknown): void {
  if (error instanceof UsageError) {
    log.error(error.message);
    process.exitCode = EXIT_USAGE;
    return;
  }
  log.error(maskSecrets(reasonOf(error)));
  if (!isAttestError(error) && error instanceof Error && error.stack) log.debug(error.stack);
  const usage =
    isAttestError(error) && (error.code.startsWith('INVALID') || error.code === 'SIGNATURES_UNVERIFIED');
  process.exitCode = usage ? EXIT_USAGE : EXIT_FAILED;
  // The work the deadline cut short is still waiting on sockets and timers: end here, as the deadline says.
  if (error instanceof DeadlineExceeded) process.exit();
}
