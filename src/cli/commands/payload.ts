import type { CommandModule } from 'yargs';
import { parseFormatOptions } from '../../config/config.js';
import { formatOptions, keyOptions, payloadOptions } from '../../config/options.js';
import { AttestError } from '../../errors.js';

interface PayloadArgs {
  pipelinerun?: string;
  taskruns?: string[];
  'exclude-taskrun'?: string[];
  output?: string;
  format?: string;
  'build-type'?: string;
  'builder-id'?: string;
  'deep-inspection'?: boolean;
  sign?: boolean;
  'output-envelope'?: string;
  key?: string;
  'key-password-file'?: string;
}

/** `tekton-attest payload`: build the Chains-compatible statement of a PipelineRun from files, offline. */
export const payloadCommand: CommandModule<object, PayloadArgs> = {
  command: 'payload',
  describe: 'Build the in-toto provenance statement of a PipelineRun from its PipelineRun/TaskRun files',
  builder: (yargs) =>
    yargs
      .options(payloadOptions)
      .options(formatOptions)
      .options(keyOptions)
      .demandOption('pipelinerun', 'Name the PipelineRun file with --pipelinerun FILE')
      .example(
        '$0 payload --pipelinerun pr.yaml --taskruns taskruns.json --format slsa/v2alpha4',
        'print the SLSA v1.0 statement of pr.yaml',
      )
      .example(
        '$0 payload --pipelinerun pr.yaml --taskruns trs/ --sign --key cosign.key --output-envelope pr.intoto.json',
        'also sign it (password from COSIGN_PASSWORD) and write the DSSE envelope',
      ),
  handler: async (args) => {
    const format = parseFormatOptions(args);
    if (args['output-envelope'] && !args.sign) {
      throw new AttestError('INVALID_ARGUMENT', '--output-envelope needs --sign', {
        hint: 'add --sign --key KEY to sign the statement',
      });
    }
    if (args.sign && !args.key) {
      throw new AttestError('INVALID_ARGUMENT', '--sign needs --key', {
        hint: 'give --key cosign.key (tekton-attest keygen makes one), an x509.pem, or a directory holding one',
      });
    }
    // Load the key first: a wrong password or bad key must fail before anything is written.
    const signer =
      args.sign && args.key
        ? await (await import('../../signing/load-key.js')).loadKeySigner({
            key: args.key,
            passwordFile: args['key-password-file'],
          })
        : undefined;
    const { runPayload } = await import('../../payload.js');
    await runPayload({
      pipelineRun: args.pipelinerun ?? '',
      taskRuns: args.taskruns ?? [],
      exclude: args['exclude-taskrun'] ?? [],
      format,
      output: args.output,
      sign: signer ? { signer, envelopeOutput: args['output-envelope'] } : undefined,
    });
  },
};
