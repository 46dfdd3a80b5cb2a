import { AttestError } from '../errors.js';
import {
  BUILD_TYPE_SLSA,
  BUILD_TYPE_SLSA_TEKTON,
  FORMAT_ALIASES,
  FORMAT_NAMES,
  type FormatName,
  type FormatOptions,
} from '../provenance/statement.js';
import { DEFAULTS } from './defaults.js';
import { flag, type RawOptions, text } from './values.js';

/** What `--format` accepts: the Chains format names, and `in-toto` (Chains' old name of slsa/v1). */
export const FORMAT_CHOICES: readonly string[] = [...FORMAT_NAMES, ...Object.keys(FORMAT_ALIASES)];

/** `--format`, `--build-type`, `--builder-id`, `--deep-inspection`: what `attest` and `payload` build. */
export function parseFormatOptions(options: RawOptions): Readonly<FormatOptions> {
  const requested = text(options, 'format') ?? DEFAULTS.format;
  const format = FORMAT_ALIASES[requested] ?? requested;
  if (!FORMAT_NAMES.includes(format as FormatName)) {
    throw new AttestError('INVALID_ARGUMENT', `--format ${requested} is not a known format`, {
      hint: `use one of ${FORMAT_NAMES.join(', ')} (or in-toto for slsa/v1)`,
    });
  }
  const buildType = text(options, 'build-type') ?? DEFAULTS.buildType;
  if (format !== 'slsa/v1' && buildType !== BUILD_TYPE_SLSA && buildType !== BUILD_TYPE_SLSA_TEKTON) {
    throw new AttestError('INVALID_ARGUMENT', `--build-type ${buildType} is not supported`, {
      hint: `use ${BUILD_TYPE_SLSA} or ${BUILD_TYPE_SLSA_TEKTON}`,
    });
  }
  return {
    format: format as FormatName,
    buildType,
    builderId: text(options, 'builder-id') ?? DEFAULTS.builderId,
    deepInspection: flag(options, 'deep-inspection'),
  };
}
