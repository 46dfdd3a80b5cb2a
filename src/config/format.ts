import { AttestError } from '../errors.js';
import {
  BUILD_TYPE_SLSA,
  BUILD_TYPE_SLSA_TEKTON,
  FORMAT_ALIASES,
  FORMAT_NAMES,
  type FormatName,
  type FormatOptions,
} from '../provenance/statement.js';
import { type RunFormat, TEKTON_FORMAT } from '../provenance/tekton-format.js';
import { DEFAULTS } from './defaults.js';
import { flag, type RawOptions, text } from './values.js';

/** What `--format` accepts: the Chains format names, and `in-toto` (Chains' old name of slsa/v1). */
export const FORMAT_CHOICES: readonly string[] = [...FORMAT_NAMES, ...Object.keys(FORMAT_ALIASES)];
/** What `attest --format` and `--taskrun-format` accept: those, and the legacy `tekton` format. */
export const RUN_FORMAT_CHOICES: readonly string[] = [...FORMAT_CHOICES, TEKTON_FORMAT];

/**
 * `--format` (or `formatOption`, e.g. `--taskrun-format`, with `fallback` when unset), `--build-type`,
 * `--builder-id`, `--deep-inspection`: what `attest` and `payload` build.
 */
export function parseFormatOptions(
  options: RawOptions,
  formatOption = 'format',
  fallback: FormatName = DEFAULTS.format,
): Readonly<FormatOptions> {
  const requested = text(options, formatOption) ?? fallback;
  const format = FORMAT_ALIASES[requested] ?? requested;
  if (!FORMAT_NAMES.includes(format as FormatName)) {
    throw new AttestError('INVALID_ARGUMENT', `--${formatOption} ${requested} is not a known format`, {
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

/** `attest --format` and `--taskrun-format`: a Chains SLSA format (with build type and builder id), or `tekton`. */
export function parseRunFormat(options: RawOptions, formatOption: string, fallback: FormatName): RunFormat {
  const requested = text(options, formatOption);
  if (requested === TEKTON_FORMAT && formatOption === 'format' && flag(options, 'deep-inspection')) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      `--deep-inspection has nothing to inspect with --format ${TEKTON_FORMAT}`,
      {
        hint: `the ${TEKTON_FORMAT} format signs the PipelineRun's status as it is; drop --deep-inspection or use a SLSA format`,
      },
    );
  }
  if (requested === TEKTON_FORMAT) return { format: TEKTON_FORMAT };
  if (requested !== undefined && !FORMAT_CHOICES.includes(requested)) {
    throw new AttestError('INVALID_ARGUMENT', `--${formatOption} ${requested} is not a known format`, {
      hint: `use one of ${FORMAT_NAMES.join(', ')} (or in-toto for slsa/v1), or ${TEKTON_FORMAT} (legacy: the signed status, annotations only)`,
    });
  }
  return parseFormatOptions(options, formatOption, fallback);
}
