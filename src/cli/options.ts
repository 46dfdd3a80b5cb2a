// Over 300 lines: declarations only (each option's type and help text, grouped by concern), no logic.
import type { Options } from 'yargs';
import { STORAGE_NAMES } from '../config/defaults.js';
import { FORMAT_CHOICES, RUN_FORMAT_CHOICES } from '../config/format.js';

/**
 * Every command-line option, grouped by concern. Commands pick the groups they need; config/ turns the
 * parsed values (plus environment and an optional Chains config map) into one typed config.
 * Each option also reads `TEKTON_ATTEST_<NAME>` from the environment (yargs `.env`), which is how the
 * Task passes its params without interpolating them into a script (see parse.ts for empty values).
 */
type OptionGroup = Record<string, Options>;

export const formatOptions = {
  format: {
    type: 'string',
    choices: RUN_FORMAT_CHOICES,
    describe:
      'Provenance format (Chains names): slsa/v1 = SLSA v0.2; slsa/v2alpha3, slsa/v2alpha4 = SLSA v1.0; or tekton (legacy: the signed status, tekton storage only)',
  },
  'build-type': {
    type: 'string',
    describe:
      'SLSA v1.0 buildType: https://tekton.dev/chains/v2/slsa or https://tekton.dev/chains/v2/slsa-tekton',
  },
  'builder-id': { type: 'string', describe: 'builder.id recorded in the provenance' },
  'deep-inspection': {
    type: 'boolean',
    describe: "Also read each TaskRun's own results for subjects and inputs (Chains' deep inspection)",
  },
} satisfies OptionGroup;

/** `payload` prints in-toto statements only: the legacy `tekton` format is the run's status as it is. */
export const statementFormatOptions = {
  ...formatOptions,
  format: {
    type: 'string',
    choices: FORMAT_CHOICES,
    describe:
      'Provenance format (Chains names): slsa/v1 = SLSA v0.2; slsa/v2alpha3, slsa/v2alpha4 = SLSA v1.0',
  },
} satisfies OptionGroup;

export const kubeOptions = {
  pipelinerun: {
    type: 'string',
    describe: "PipelineRun to attest (default: the pod's tekton.dev/pipelineRun label)",
  },
  namespace: { type: 'string', describe: "Namespace of the PipelineRun (default: the pod's namespace)" },
  taskrun: {
    type: 'string',
    describe:
      "This task's own TaskRun, excluded from the provenance (default: the pod's tekton.dev/taskRun label)",
  },
  kubeconfig: {
    type: 'string',
    describe: 'kubeconfig file (default: in-cluster config, else KUBECONFIG/~/.kube/config)',
  },
  context: { type: 'string', describe: 'kubeconfig context' },
  'wait-timeout': {
    type: 'string',
    describe: 'How long to wait for sibling TaskRuns still running (e.g. 30s, 5m)',
  },
  'require-complete': {
    type: 'boolean',
    describe: 'Fail instead of attesting a partial run when siblings do not finish within --wait-timeout',
  },
  'status-field-manager': {
    type: 'string',
    describe:
      "Field manager(s) trusted to write run status, comma-separated (default: controller, Tekton's controller)",
  },
  'allow-foreign-status': {
    type: 'boolean',
    describe:
      'Attest even when a run status field was last written by another field manager (recorded in the summary and results)',
  },
  'pod-labels-file': {
    type: 'string',
    describe: "Downward API file with the pod's labels (the Task mounts it)",
  },
  'request-timeout': {
    type: 'string',
    describe: 'Timeout of each Kubernetes API request (e.g. 30s); timed-out requests are retried',
  },
  'serviceaccount-root': {
    type: 'string',
    hidden: true,
    describe: 'Prefix of /var/run/secrets/kubernetes.io/serviceaccount for the in-cluster config (tests)',
  },
} satisfies OptionGroup;

/** What one read may hold (attest, payload, verify). */
export const limitOptions = {
  'max-input-size': {
    type: 'string',
    describe:
      'Most bytes read from one input file, Kubernetes API response or registry blob (e.g. 128Mi; default 64Mi)',
  },
} satisfies OptionGroup;

/** The whole command's deadline (attest, verify). */
export const runOptions = {
  timeout: {
    type: 'string',
    describe:
      "Deadline of the whole run (default 10m, inside a Task's 1h); past it, fail naming the step and the host waited on",
  },
} satisfies OptionGroup;

export const keyOptions = {
  key: {
    type: 'string',
    describe:
      'Signing key: a cosign key file, a PKCS#8 PEM (x509.pem), a directory holding one, or k8s://NS/SECRET',
  },
  'key-password-file': {
    type: 'string',
    describe:
      'File with the key password (default: COSIGN_PASSWORD, else the secret/dir cosign.password, else empty)',
  },
} satisfies OptionGroup;

export const signerOptions = {
  signer: {
    type: 'string',
    choices: ['key', 'keyless'],
    describe: 'key: --key; keyless: a Fulcio certificate for the pod service-account identity',
  },
  'identity-token-file': {
    type: 'string',
    describe: 'Keyless: OIDC token file (a projected service-account token with audience sigstore)',
  },
  'fulcio-url': { type: 'string', describe: 'Keyless: Fulcio URL' },
  'oidc-issuer': { type: 'string', describe: 'Keyless: the OIDC issuer, recorded in the summary' },
  transparency: {
    type: 'string',
    choices: ['false', 'true', 'manual'],
    describe:
      'Upload to Rekor: true, false, or manual (only runs annotated chains.tekton.dev/transparency-upload: "true")',
  },
  'rekor-url': { type: 'string', describe: 'Rekor URL' },
} satisfies OptionGroup;

export const registryOptions = {
  'docker-config': {
    type: 'string',
    describe: 'Directory with a docker config.json (tried before DOCKER_CONFIG, ~/.docker, /tekton/creds)',
  },
  'registry-ca': { type: 'string', describe: 'Extra CA bundle (PEM) trusted for registries' },
  'insecure-registry': {
    type: 'string',
    array: true,
    describe: 'Registry host[:port] reached over plain HTTP or without TLS verification (repeatable)',
  },
  'registry-request-timeout': {
    type: 'string',
    describe:
      'Deadline of each registry request, the whole answer included (e.g. 30s; default 60s); timed-out requests are retried',
  },
  'registry-credentials-from-api': {
    type: 'boolean',
    describe: "Also read the service account's imagePullSecrets and secrets through the Kubernetes API",
  },
} satisfies OptionGroup;

export const storageOptions = {
  storage: {
    type: 'string',
    describe: `Comma-separated backends: ${STORAGE_NAMES.join(', ')}`,
  },
  'taskrun-format': {
    type: 'string',
    choices: RUN_FORMAT_CHOICES,
    describe:
      "Each sibling TaskRun's own attestation format (Chains' artifacts.taskrun.format; default slsa/v1; tekton: legacy signed status)",
  },
  'taskrun-storage': {
    type: 'string',
    describe: `Where each sibling TaskRun's attestation goes (Chains' artifacts.taskrun.storage): ${STORAGE_NAMES.join(', ')} or none (default tekton)`,
  },
  'oci-repository': {
    type: 'string',
    describe: "Store OCI signatures/attestations in this repository instead of the image's own",
  },
  'oci-encoding': {
    type: 'string',
    choices: ['tag', 'sigstore-bundle'],
    describe: 'tag: cosign .att/.sig tags; sigstore-bundle: OCI 1.1 referrer holding a sigstore bundle',
  },
  'sign-images': {
    type: 'boolean',
    describe:
      'Cosign image signatures (.sig) for every image the TaskRuns built, in the registry whatever --storage says (default: on; --sign-images=false turns them off)',
  },
  'mark-signed': {
    type: 'boolean',
    describe:
      'Also annotate chains.tekton.dev/signed=true (stops a Chains controller from signing the run again)',
  },
  'output-dir': {
    type: 'string',
    describe: 'file storage: directory to write the statement and envelope to',
  },
  'results-dir': { type: 'string', describe: 'Write Task results here (the Task passes /tekton/results)' },
  'best-effort': {
    type: 'boolean',
    describe: 'Exit 0 even when a storage backend fails (failures are still reported)',
  },
  'chains-config': {
    type: 'string',
    describe:
      'A Chains chains-config ConfigMap (YAML) or key=value file; its keys fill options not set otherwise',
  },
} satisfies OptionGroup;

export const keygenOptions = {
  'output-dir': {
    type: 'string',
    describe: 'Directory to write cosign.key and cosign.pub into (default: the current directory)',
  },
  'password-file': {
    type: 'string',
    describe: 'File with the password to encrypt cosign.key with (default: COSIGN_PASSWORD, else empty)',
  },
  force: { type: 'boolean', describe: 'Replace an existing cosign.key/cosign.pub' },
} satisfies OptionGroup;

export const demoOptions = {
  'output-dir': {
    type: 'string',
    describe: 'Directory for the demo key pair, statements and envelopes (default: a new temp directory)',
  },
} satisfies OptionGroup;

/** `verify IMAGE`: what to check (with registryOptions and verifyIdentityOptions). */
export const verifyOptions = {
  key: {
    type: 'string',
    describe:
      'Public key to verify with: cosign.pub, a certificate, a private key (its public half), or k8s://NS/SECRET (cosign.pub)',
  },
  type: {
    type: 'string',
    describe:
      "Predicate type: cosign's aliases (slsaprovenance = SLSA v0.2, slsaprovenance1 = SLSA v1.0, custom, ...) or a URI (default: any)",
  },
  summary: {
    type: 'boolean',
    describe: 'Print one line per stored attestation (verified or why not) instead of the statements',
  },
  signature: {
    type: 'boolean',
    describe: 'Verify image signatures (.sig, cosign v3 signature bundles) instead of attestations',
  },
  policy: {
    type: 'string',
    describe:
      'Policy YAML (trustedTasks, requiredTasks, forbiddenTasks, builderIds) the attested run must meet; exit 0 allowed, 1 denied, 2 signatures fail',
  },
  output: {
    type: 'string',
    describe: 'With --policy: text (a tree of the run, the default) or json ({"allow", "violations", ...})',
  },
  graph: {
    type: 'string',
    describe: 'With --policy: write a picture of the run (tasks, images, violations in red) to FILE.svg',
  },
} satisfies OptionGroup;

/** `verify`: who may have signed (keyless certificates) and how the transparency log is checked. */
export const verifyIdentityOptions = {
  'certificate-identity': {
    type: 'string',
    describe:
      'Keyless: the exact certificate identity (SAN), e.g. https://kubernetes.io/namespaces/NS/serviceaccounts/SA',
  },
  'certificate-identity-regexp': {
    type: 'string',
    describe: 'Keyless: a regular expression the certificate identity must match (unanchored, as cosign)',
  },
  'certificate-oidc-issuer': {
    type: 'string',
    describe: 'Keyless: the exact OIDC issuer recorded in the certificate',
  },
  'trusted-root': {
    type: 'string',
    describe:
      "sigstore trusted_root.json with the Fulcio CAs and Rekor/CT log keys (default: the public instance's, via TUF)",
  },
  'insecure-ignore-tlog': {
    type: 'boolean',
    describe: 'Do not require or check a Rekor entry (signatures made without --transparency)',
  },
} satisfies OptionGroup;

/** `bundle push` / `bundle list`: what goes into a Tekton Bundle and how it is shown. */
export const bundleOptions = {
  'include-examples': {
    type: 'boolean',
    describe: 'push: also publish the example Pipeline (task/examples) next to the Task',
  },
  file: {
    type: 'string',
    array: true,
    describe:
      'push: publish the Tekton objects in these YAML/JSON files instead of the built-in Task (repeatable)',
  },
  output: {
    alias: 'o',
    type: 'string',
    choices: ['name', 'json', 'yaml'],
    describe: 'list: print kind/name lines (name), or the objects as JSON or YAML',
  },
} satisfies OptionGroup;

/** `payload`: the PipelineRun and TaskRun files a statement is built from offline, and where it goes. */
export const payloadOptions = {
  pipelinerun: {
    type: 'string',
    describe: 'PipelineRun file (JSON or YAML, v1 or v1beta1); it may also hold its TaskRuns',
  },
  taskruns: {
    type: 'string',
    array: true,
    describe:
      'TaskRun files or directories: single objects, Lists (kubectl get taskruns -o json) or both (repeatable)',
  },
  'exclude-taskrun': {
    type: 'string',
    array: true,
    describe: 'Leave this TaskRun out (the attesting finally task itself; repeatable)',
  },
  taskrun: {
    type: 'string',
    describe:
      "Instead of a PipelineRun: one TaskRun file (JSON or YAML, v1 or v1beta1); prints that TaskRun's own statement, as Chains' artifacts.taskrun",
  },
  output: {
    type: 'string',
    describe: 'Write the statement to this file (exact signed bytes) instead of stdout',
  },
  sign: {
    type: 'boolean',
    describe: 'Also sign the statement as a DSSE envelope with --key (to --output-envelope, else stdout)',
  },
  'output-envelope': {
    type: 'string',
    describe: 'With --sign: write the DSSE envelope (JSON) to this file',
  },
} satisfies OptionGroup;
