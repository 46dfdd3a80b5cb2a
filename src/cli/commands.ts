import type { Argv, CommandModule } from 'yargs';
import type { AttestConfig } from '../config/attest.js';
import type { BundleConfig } from '../config/bundle.js';
import type { DemoConfig, KeygenConfig } from '../config/keygen.js';
import type { PayloadConfig } from '../config/payload.js';
import type { RawOptions } from '../config/values.js';
import type { VerifyConfig } from '../config/verify.js';
import {
  bundleOptions,
  demoOptions,
  formatOptions,
  keygenOptions,
  keyOptions,
  kubeOptions,
  limitOptions,
  payloadOptions,
  registryOptions,
  runOptions,
  signerOptions,
  statementFormatOptions,
  storageOptions,
  verifyIdentityOptions,
  verifyOptions,
} from './options.js';

/** A parsed command line: which command, with its typed config. */
export type Invocation =
  | { readonly command: 'attest'; readonly config: AttestConfig }
  | { readonly command: 'payload'; readonly config: PayloadConfig }
  | { readonly command: 'verify'; readonly config: VerifyConfig }
  | { readonly command: 'bundle'; readonly config: BundleConfig }
  | { readonly command: 'keygen'; readonly config: KeygenConfig }
  | { readonly command: 'demo'; readonly config: DemoConfig };

/** Each handler turns the parsed options into its typed config and hands it on; nothing runs here. */
type Found = (invocation: Invocation) => void;
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argv types
type Command = CommandModule<any, RawOptions>;

const registry = {
  'docker-config': registryOptions['docker-config'],
  'registry-ca': registryOptions['registry-ca'],
  'insecure-registry': registryOptions['insecure-registry'],
  'registry-request-timeout': registryOptions['registry-request-timeout'],
};

/** Every command, declaring its options. Config parsers load lazily: `--help` stays fast. */
export function commands(found: Found): Command[] {
  return [
    {
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
          .options(runOptions)
          .options(limitOptions)
          .example(
            '$0 attest --key k8s://tekton-chains/signing-secrets',
            "in the Task pod: attest the pod's own PipelineRun",
          )
          .example(
            '$0 attest --kubeconfig ~/.kube/config --namespace ci --pipelinerun build-x7k2p --key cosign.key --storage tekton,file --output-dir out',
            'from a workstation, after the run',
          ),
      handler: async (args) => {
        const { parseAttestConfig } = await import('../config/attest.js');
        found({ command: 'attest', config: await parseAttestConfig(args) });
      },
    },
    {
      command: 'keygen',
      describe: 'Write a cosign-compatible key pair (cosign.key, cosign.pub) for --key',
      builder: (yargs) => yargs.options(keygenOptions),
      handler: async (args) => {
        const { parseKeygenConfig } = await import('../config/keygen.js');
        found({ command: 'keygen', config: parseKeygenConfig(args) });
      },
    },
    {
      command: 'bundle <command>',
      describe: 'Publish the Task as a Tekton Bundle (push) or read a bundle back (list)',
      builder: (yargs) =>
        (yargs as Argv<RawOptions>)
          .command({
            command: 'push <ref>',
            describe:
              'Push the tekton-attest Task (and with --include-examples the example Pipeline) as a bundle',
            builder: (y) =>
              y
                .positional('ref', { type: 'string', describe: 'REGISTRY/REPOSITORY[:TAG] to push to' })
                .options({
                  'include-examples': bundleOptions['include-examples'],
                  file: bundleOptions.file,
                  ...registry,
                }),
            handler: async (args) => {
              const { parseBundleConfig } = await import('../config/bundle.js');
              found({ command: 'bundle', config: parseBundleConfig('push', args) });
            },
          })
          .command({
            command: 'list <ref> [kind] [name]',
            describe: 'List the objects of a bundle (as the bundles resolver reads it), or print them',
            builder: (y) =>
              y
                .positional('ref', { type: 'string', describe: 'REGISTRY/REPOSITORY[:TAG|@DIGEST]' })
                .positional('kind', {
                  type: 'string',
                  describe: 'only objects of this kind (task, pipeline)',
                })
                .positional('name', { type: 'string', describe: 'only the object with this name' })
                .options({ output: bundleOptions.output, ...registry }),
            handler: async (args) => {
              const { parseBundleConfig } = await import('../config/bundle.js');
              found({ command: 'bundle', config: parseBundleConfig('list', args) });
            },
          })
          .demandCommand(1, 'Name a bundle command: push or list.'),
      handler: () => {},
    },
    {
      command: 'payload',
      describe:
        'Build the in-toto provenance statement of a PipelineRun from its PipelineRun/TaskRun files (or of one TaskRun)',
      builder: (yargs) =>
        yargs
          .options(payloadOptions)
          .options(limitOptions)
          .options(statementFormatOptions)
          .options(keyOptions)
          .example(
            '$0 payload --pipelinerun pr.yaml --taskruns taskruns.json --format slsa/v2alpha4',
            'print the SLSA v1.0 statement of pr.yaml',
          )
          .example(
            '$0 payload --pipelinerun pr.yaml --taskruns trs/ --sign --key cosign.key --output-envelope pr.intoto.json',
            'also sign it (password from COSIGN_PASSWORD) and write the DSSE envelope',
          )
          .example(
            '$0 payload --taskrun tr.yaml --format slsa/v2alpha4',
            "print the TaskRun's own statement (Chains' artifacts.taskrun)",
          ),
      handler: async (args) => {
        const { parsePayloadConfig } = await import('../config/payload.js');
        found({ command: 'payload', config: parsePayloadConfig(args) });
      },
    },
    {
      command: 'demo',
      describe:
        'Run the offline path on an embedded PipelineRun: key pair, SLSA v1.0 + v0.2 statements, signed and verified',
      builder: (yargs) => yargs.options(demoOptions),
      handler: async (args) => {
        const { parseDemoConfig } = await import('../config/keygen.js');
        found({ command: 'demo', config: parseDemoConfig(args) });
      },
    },
    {
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
            ...registry,
            ...runOptions,
            ...limitOptions,
            kubeconfig: kubeOptions.kubeconfig,
            context: kubeOptions.context,
          })
          .example(
            '$0 verify registry.example.com/app@sha256:... --key cosign.pub --type slsaprovenance1 --insecure-ignore-tlog',
            'the same check as cosign verify-attestation with those flags',
          ),
      handler: async (args) => {
        const { parseVerifyConfig } = await import('../config/verify.js');
        found({ command: 'verify', config: parseVerifyConfig(args) });
      },
    },
  ];
}
