import { AttestError } from '../errors.js';
import type { FormatOptions } from '../provenance/statement.js';
import { parseFormatOptions } from './format.js';
import { flag, list, outputFile, parseMaxInputSize, type RawOptions, text } from './values.js';

/**
 * `payload`: the run's files, what to build, and whether and where to sign. The statement is a PipelineRun's
 * (`pipelineRun` set: Chains' `artifacts.pipelinerun.*`) or one TaskRun's (`taskRun` set: `artifacts.taskrun.*`).
 */
export type PayloadConfig = PayloadCommon & (PipelineRunInput | TaskRunInput);

interface PipelineRunInput {
  readonly pipelineRun: string;
  readonly taskRuns: readonly string[];
  /** TaskRun names to leave out (the attesting finally task). */
  readonly exclude: readonly string[];
  readonly taskRun?: undefined;
}

interface TaskRunInput {
  /** `--taskrun`: the file of the one TaskRun whose own statement is built. */
  readonly taskRun: string;
  readonly pipelineRun?: undefined;
}

interface PayloadCommon {
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
  const taskRun = text(options, 'taskrun');
  const taskRuns = list(options, 'taskruns');
  const exclude = list(options, 'exclude-taskrun');
  if (!pipelineRun && !taskRun) {
    throw new AttestError('INVALID_ARGUMENT', '--pipelinerun or --taskrun is required', {
      hint: "Name the PipelineRun file with --pipelinerun FILE (its TaskRuns with --taskruns), or one TaskRun's file with --taskrun FILE",
    });
  }
  if (taskRun && (pipelineRun || taskRuns.length > 0 || exclude.length > 0)) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      "--taskrun builds one TaskRun's own statement and takes no --pipelinerun, --taskruns or --exclude-taskrun",
      {
        hint: 'use --taskrun FILE alone for a TaskRun statement, or --pipelinerun FILE --taskruns FILES for the PipelineRun',
      },
    );
  }
  const format = parseFormatOptions(options);
  if (taskRun && format.deepInspection) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      '--deep-inspection applies to a PipelineRun, not to --taskrun',
      {
        hint: "a TaskRun's own statement always holds its results and step results (Chains' artifacts.taskrun); drop --deep-inspection",
      },
    );
  }
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
  const input: PipelineRunInput | TaskRunInput = taskRun
    ? { taskRun }
    : { pipelineRun: pipelineRun as string, taskRuns, exclude };
  return {
    ...input,
    format,
    output: outputFile(options, 'output'),
    maxInputBytes: parseMaxInputSize(options),
    sign: sign && key ? { key, passwordFile: text(options, 'key-password-file'), envelopeOutput } : undefined,
  };
}
