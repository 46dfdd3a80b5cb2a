import type { CommandModule } from 'yargs';
import {
  formatOptions,
  keyOptions,
  kubeOptions,
  registryOptions,
  signerOptions,
  storageOptions,
} from '../../config/options.js';

/** `tekton-attest attest`: the Task's job, run in the finally task's pod with the pipeline's own identity. */
export const attestCommand: CommandModule<object, Record<string, unknown>> = {
  command: 'attest',
  describe:
    'Collect a PipelineRun from the Kubernetes API, sign its provenance, and store it (the Task step)',
  builder: (yargs) =>
    yargs
      .options(kubeOptions)
      .options(formatOptions)
      .options(keyOptions)
      .options(signerOptions)
      .options(storageOptions)
      .options(registryOptions)
      .example(
        '$0 attest --key k8s://tekton-chains/signing-secrets',
        "in the Task pod: attest the pod's own PipelineRun",
      )
      .example(
        '$0 attest --kubeconfig ~/.kube/config --namespace ci --pipelinerun build-x7k2p --key cosign.key --storage tekton,file --output-dir out',
        'from a workstation, after the run',
      ),
  handler: async (args) => {
    const { runAttest } = await import('../../attest.js');
    await runAttest(args);
  },
};
