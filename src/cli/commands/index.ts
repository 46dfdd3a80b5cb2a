import type { CommandModule } from 'yargs';
import { attestCommand } from './attest.js';
import { bundleCommand } from './bundle.js';
import { demoCommand } from './demo.js';
import { keygenCommand } from './keygen.js';
import { payloadCommand } from './payload.js';
import { verifyCommand } from './verify.js';

/**
 * Every command. Each module only declares its options; its handler imports the implementation lazily so
 * `--help` and small commands start fast and the bundle splits into chunks.
 */
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argv types
export const commands: CommandModule<any, any>[] = [
  attestCommand,
  keygenCommand,
  bundleCommand,
  payloadCommand,
  demoCommand,
  verifyCommand,
];
