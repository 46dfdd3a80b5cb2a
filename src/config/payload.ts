import { AttestError } from '../errors.js';
import type { FormatOptions } from '../provenance/statement.js';
import { parseFormatOptions } from './format.js';
import { flag, list, outputFile, parseMaxInputSize, type RawOptions, text } from './values.js';

/** `payload`: the run's files, what to build, and whether and where to sign. */
export interface PayloadConfig {
  readonly pipelineRun: string;
  readonly taskRuns: readonly string[];
  /** TaskRun names to leave out (the attesting finally task). */
  readonly exclude: readonly string[];
  readonly format: Readonly<FormatOptions>;
  /** Where the statement goes (default: stdout). */
  readonly output: string | undefined;
  /** The largest input file read (`--max-input-size`). */
  readonly maxInputBytes: number;
  /** `--sign`: the key, and where the envelope goes (default: stdout). */
  readonly sign:
    | {
        readonly key: string;
        readonly passwordFile: string | undefined;
        readonly envelopeOutput: string | undefined;
      }
    | undefined;
}

export function parsePayloadConfig(options: RawOptions): PayloadConfig {
  const pipelineRun = text(options, 'pipelinerun');
  if (!pipelineRun) {
    throw new AttestError('INVALID_ARGUMENT', '--pipelinerun is required', {
      hint: 'Name the PipelineRun file with --pipelinerun FILE',
    });
  }
  const format = parseFormatOptions(options);
  const sign = flag(options, 'sign');
  const envelopeOutput = outputFile(options, 'output-envelope');
  const key = text(options, 'key');
  if (envelopeOutput && !sign) {
    throw new AttestError('INVALID_ARGUMENT', '--output-envelope needs --sign', {
      hint: 'add --sign --key KEY to sign the statement',
    });
  }
  if (sign && !key) {
    throw new AttestError('INVALID_ARGUMENT', '--sign needs --key', {
      hint: 'give --key cosign.key (tekton-attest keygen makes one), an x509.pem, or a directory holding one',
    });
  }
  return {
    pipelineRun,
    taskRuns: list(options, 'taskruns'),
    exclude: list(options, 'exclude-taskrun'),
    format,
    output: outputFile(options, 'output'),
    maxInputBytes: parseMaxInputSize(options),
    sign: sign && key ? { key, passwordFile: text(options, 'key-password-file'), envelopeOutput } : undefined,
  };
}
