import { flag, type RawOptions, text } from './values.js';

/** `keygen`: where the key pair goes and what encrypts cosign.key. */
export interface KeygenConfig {
  readonly outputDir: string;
  readonly passwordFile: string | undefined;
  readonly force: boolean;
}

export function parseKeygenConfig(options: RawOptions): KeygenConfig {
  return {
    outputDir: text(options, 'output-dir') ?? '.',
    passwordFile: text(options, 'password-file'),
    force: flag(options, 'force'),
  };
}

/** `demo`: where its files go (default: a new temp directory). */
export interface DemoConfig {
  readonly outputDir: string | undefined;
}

export function parseDemoConfig(options: RawOptions): DemoConfig {
  return { outputDir: text(options, 'output-dir') };
}
