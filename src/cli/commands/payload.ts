import type { CommandModule } from 'yargs';
import { parseFormatOptions } from '../../config/config.js';
import { formatOptions, payloadOptions } from '../../config/options.js';

interface PayloadArgs {
  pipelinerun?: string;
  taskruns?: string[];
  'exclude-taskrun'?: string[];
  output?: string;
  format?: string;
  'build-type'?: string;
  'builder-id'?: string;
  'deep-inspection'?: boolean;
}

/** `tekton-attest payload`: build the Chains-compatible statement of a PipelineRun from files, offline. */
export const payloadCommand: CommandModule<object, PayloadArgs> = {
  command: 'payload',
  describe: 'Build the in-toto provenance statement of a PipelineRun from its PipelineRun/TaskRun files',
  builder: (yargs) =>
    yargs
      .options(payloadOptions)
      .options(formatOptions)
      .demandOption('pipelinerun', 'Name the PipelineRun file with --pipelinerun FILE')
      .example(
        '$0 payload --pipelinerun pr.yaml --taskruns taskruns.json --format slsa/v2alpha4',
        'print the SLSA v1.0 statement of pr.yaml',
      ),
  handler: async (args) => {
    const format = parseFormatOptions(args);
    const { runPayload } = await import('../../payload.js');
    await runPayload({
      pipelineRun: args.pipelinerun ?? '',
      taskRuns: args.taskruns ?? [],
      exclude: args['exclude-taskrun'] ?? [],
      format,
      output: args.output,
    });
  },
};
