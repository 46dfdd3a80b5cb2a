import { AttestError } from '../errors.js';
import { parseRegistryAccess, type RegistryAccess } from './registry.js';
import { flag, list, type RawOptions, text } from './values.js';

/** `bundle push REF` and `bundle list REF [KIND] [NAME]`. */
export type BundleConfig =
  | {
      readonly action: 'push';
      readonly ref: string;
      /** Files to publish instead of the built-in Task. */
      readonly files: readonly string[];
      readonly includeExamples: boolean;
      readonly registry: RegistryAccess;
    }
  | {
      readonly action: 'list';
      readonly ref: string;
      readonly kind: string | undefined;
      readonly name: string | undefined;
      readonly output: 'name' | 'json' | 'yaml';
      readonly registry: RegistryAccess;
    };

export function parseBundleConfig(action: 'push' | 'list', options: RawOptions): BundleConfig {
  const ref = text(options, 'ref') ?? '';
  const registry = parseRegistryAccess(options);
  if (action === 'push') {
    return {
      action,
      ref,
      files: list(options, 'file'),
      includeExamples: flag(options, 'include-examples'),
      registry,
    };
  }
  const output = text(options, 'output') ?? 'name';
  if (output !== 'name' && output !== 'json' && output !== 'yaml') {
    throw new AttestError('INVALID_ARGUMENT', `--output ${output} is not an output format`, {
      hint: 'use name, json or yaml',
    });
  }
  return { action, ref, kind: text(options, 'kind'), name: text(options, 'name'), output, registry };
}
