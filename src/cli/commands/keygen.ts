import type { CommandModule } from 'yargs';
import { keygenOptions } from '../../config/options.js';

interface KeygenArgs {
  'output-dir'?: string;
  'password-file'?: string;
  force?: boolean;
}

/** `tekton-attest keygen`: a cosign-compatible key pair (cosign.key encrypted, cosign.pub). */
export const keygenCommand: CommandModule<object, KeygenArgs> = {
  command: 'keygen',
  describe: 'Write a cosign-compatible key pair (cosign.key, cosign.pub) for --key',
  builder: (yargs) => yargs.options(keygenOptions),
  handler: async (args) => {
    const { runKeygen } = await import('../../signing/keygen-command.js');
    await runKeygen({
      outputDir: args['output-dir'] ?? '.',
      passwordFile: args['password-file'],
      force: args.force ?? false,
    });
  },
};
