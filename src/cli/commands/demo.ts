import type { CommandModule } from 'yargs';
import { demoOptions } from '../../config/options.js';

interface DemoArgs {
  'output-dir'?: string;
}

/** `tekton-attest demo`: the embedded default, offline end to end. */
export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe:
    'Run the offline path on an embedded PipelineRun: key pair, SLSA v1.0 + v0.2 statements, signed and verified',
  builder: (yargs) => yargs.options(demoOptions),
  handler: async (args) => {
    const { runDemo } = await import('../../demo/run-demo.js');
    await runDemo({ outputDir: args['output-dir'] });
  },
};
