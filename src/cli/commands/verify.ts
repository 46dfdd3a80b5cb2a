import type { CommandModule } from 'yargs';
import {
  keyOptions,
  kubeOptions,
  registryOptions,
  storageOptions,
  verifyIdentityOptions,
  verifyOptions,
} from '../../config/options.js';
import type { VerifyArgs } from '../../verify/run.js';

/** `tekton-attest verify IMAGE`: checks what is stored for an image, independently of the writing code. */
export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <image>',
  describe: 'Verify the attestations (or with --signature, the signatures) stored for an image',
  builder: (yargs) =>
    yargs
      .positional('image', {
        type: 'string',
        demandOption: true,
        describe: 'IMAGE[:TAG] or IMAGE@sha256:...',
      })
      .options({
        ...verifyOptions,
        ...verifyIdentityOptions,
        'key-password-file': keyOptions['key-password-file'],
        'oci-repository': storageOptions['oci-repository'],
        'docker-config': registryOptions['docker-config'],
        'registry-ca': registryOptions['registry-ca'],
        'insecure-registry': registryOptions['insecure-registry'],
        kubeconfig: kubeOptions.kubeconfig,
        context: kubeOptions.context,
      })
      .example(
        '$0 verify registry.example.com/app@sha256:... --key cosign.pub --type slsaprovenance1 --insecure-ignore-tlog',
        'the same check as cosign verify-attestation with those flags',
      ),
  handler: async (args) => {
    const { runVerify } = await import('../../verify/run.js');
    await runVerify(args);
  },
};
