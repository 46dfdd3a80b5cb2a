import type { Argv, CommandModule } from 'yargs';
import { bundleOptions, registryOptions } from '../../config/options.js';

export interface BundleArgs {
  /** Always set: yargs demands the positional. */
  ref?: string;
  kind?: string;
  name?: string;
  'include-examples'?: boolean;
  file?: string[];
  output?: string;
  'docker-config'?: string;
  'registry-ca'?: string;
  'insecure-registry'?: string[];
}

const registry = {
  'docker-config': registryOptions['docker-config'],
  'registry-ca': registryOptions['registry-ca'],
  'insecure-registry': registryOptions['insecure-registry'],
};

/** `tekton-attest bundle push|list`: the Task as a Tekton Bundle, published with the project's OCI client. */
export const bundleCommand: CommandModule<object, BundleArgs> = {
  command: 'bundle <command>',
  describe: 'Publish the Task as a Tekton Bundle (push) or read a bundle back (list)',
  builder: (yargs) =>
    (yargs as unknown as Argv<BundleArgs>)
      .command({
        command: 'push <ref>',
        describe:
          'Push the tekton-attest Task (and with --include-examples the example Pipeline) as a bundle',
        builder: (y) =>
          y.positional('ref', { type: 'string', describe: 'REGISTRY/REPOSITORY[:TAG] to push to' }).options({
            'include-examples': bundleOptions['include-examples'],
            file: bundleOptions.file,
            ...registry,
          }),
        handler: async (args) => {
          const { runBundlePush } = await import('../../bundle/command.js');
          await runBundlePush(args);
        },
      })
      .command({
        command: 'list <ref> [kind] [name]',
        describe: 'List the objects of a bundle (as the bundles resolver reads it), or print them',
        builder: (y) =>
          y
            .positional('ref', { type: 'string', describe: 'REGISTRY/REPOSITORY[:TAG|@DIGEST]' })
            .positional('kind', { type: 'string', describe: 'only objects of this kind (task, pipeline)' })
            .positional('name', { type: 'string', describe: 'only the object with this name' })
            .options({ output: bundleOptions.output, ...registry }),
        handler: async (args) => {
          const { runBundleList } = await import('../../bundle/command.js');
          await runBundleList(args);
        },
      })
      .demandCommand(1, 'Name a bundle command: push or list.'),
  handler: () => {},
};
