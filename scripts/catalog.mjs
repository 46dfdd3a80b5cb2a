#!/usr/bin/env node
// Generates catalog/ from task/ (the single source): the tektoncd/catalog layout
// (catalog/task/tekton-attest/<X.Y>/{tekton-attest.yaml,README.md,samples/,tests/}) and the Kurator
// predefined-task templates (catalog/kurator/*). test/catalog checks that catalog/ is in sync.
//
//   node scripts/catalog.mjs                      regenerate catalog/
//   node scripts/catalog.mjs --check              exit 1 if catalog/ is out of date
//   node scripts/catalog.mjs --image REF@sha256:D pin the Task's image (task/ and catalog/) to a digest
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';

export const TASK_NAME = 'tekton-attest';
export const TASK_FILE = `task/${TASK_NAME}.yaml`;
export const RBAC_FILE = 'task/rbac.yaml';
export const KURATOR_DIR = 'catalog/kurator';
/** Files in catalog/ written by hand, not by this script. */
export const HAND_WRITTEN = new Set([`${KURATOR_DIR}/README.md`]);

const EXAMPLES_DIR = 'task/examples';
const TESTS_DIR = 'task/tests';
const IMAGE_LINE = /^(\s*image:\s*)(\S+@sha256:[0-9a-f]{64})\s*$/m;
const DIGEST_REF = /^[a-z0-9.-]+(?::\d+)?\/[a-z0-9._/-]+(?::[\w.-]+)?@sha256:[0-9a-f]{64}$/;

/** @typedef {{ content: string, executable: boolean }} GeneratedFile */

/**
 * Everything `npm run catalog` writes, keyed by path relative to the repository root.
 * @param {string} root the repository root
 * @returns {Promise<Map<string, GeneratedFile>>}
 */
export async function renderCatalog(root) {
  const read = (file) => readFile(path.join(root, file), 'utf8');
  const taskText = await read(TASK_FILE);
  const task = parse(taskText);
  const version = task.metadata.labels['app.kubernetes.io/version'];
  const pkg = JSON.parse(await read('package.json'));
  const packageMinor = pkg.version.split('.').slice(0, 2).join('.');
  if (version !== packageMinor) {
    throw new Error(
      `${TASK_FILE}: label app.kubernetes.io/version is ${version} but package.json is ${pkg.version}; ` +
        `set the label to "${packageMinor}" (the catalog version directory is X.Y)`,
    );
  }
  const rbacText = await read(RBAC_FILE);
  const dir = `catalog/task/${TASK_NAME}/${version}`;
  /** @type {Map<string, GeneratedFile>} */
  const files = new Map();
  const put = (file, content, executable = false) => files.set(file, { content, executable });

  put(`${dir}/${TASK_NAME}.yaml`, taskText);
  put(`${dir}/README.md`, catalogReadme(task, version));
  for (const name of await sortedFiles(root, EXAMPLES_DIR)) {
    put(`${dir}/samples/${name}`, await read(`${EXAMPLES_DIR}/${name}`), name.endsWith('.sh'));
  }
  put(`${dir}/samples/rbac.yaml`, rbacText);
  for (const name of await sortedFiles(root, TESTS_DIR)) {
    let content = await read(`${TESTS_DIR}/${name}`);
    // The catalog runner applies tests/*.yaml into a fresh namespace: the Roles must come along.
    if (name === 'resources.yaml') content = `${content.trimEnd()}\n---\n${rbacText}`;
    put(`${dir}/tests/${name}`, content, name.endsWith('.sh'));
  }

  const template = kuratorTaskTemplate(task);
  put(`${KURATOR_DIR}/${TASK_NAME}.tmpl`, template);
  put(`${KURATOR_DIR}/rbac.tmpl`, kuratorRbacTemplate(rbacText));
  put(`${KURATOR_DIR}/predefined_task_content.go`, kuratorGoSource(template));
  return files;
}

/** The paths under catalog/ that renderCatalog owns (so stale files can be found and removed). */
export async function existingGeneratedPaths(root) {
  const found = [];
  const walk = async (dir) => {
    let entries;
    try {
      entries = await readdir(path.join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(rel);
      else if (!HAND_WRITTEN.has(rel)) found.push(rel);
    }
  };
  await walk('catalog');
  return found.sort();
}

/**
 * Pins the Task's step image (a REF@sha256:DIGEST) in task/tekton-attest.yaml; regenerate afterwards.
 * @param {string} root
 * @param {string} ref
 */
export async function pinImage(root, ref) {
  if (!DIGEST_REF.test(ref)) {
    throw new Error(
      `--image ${ref} is not a fully qualified reference pinned by digest (HOST/REPO[:TAG]@sha256:HEX)`,
    );
  }
  const file = path.join(root, TASK_FILE);
  const text = await readFile(file, 'utf8');
  if (!IMAGE_LINE.test(text)) throw new Error(`${TASK_FILE}: no digest-pinned image: line to replace`);
  await writeFile(file, text.replace(IMAGE_LINE, `$1${ref}`));
}

async function sortedFiles(root, dir) {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

function cell(text) {
  return String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .replaceAll('|', '\\|');
}

function catalogReadme(task, version) {
  const spec = task.spec;
  const ann = task.metadata.annotations;
  const image = spec.steps[0].image;
  const params = spec.params
    .map((p) => `| \`${p.name}\` | \`${cell(JSON.stringify(p.default))}\` | ${cell(p.description)} |`)
    .join('\n');
  const workspaces = spec.workspaces
    .map((w) => `| \`${w.name}\` | ${w.optional ? 'yes' : 'no'} | ${cell(w.description)} |`)
    .join('\n');
  const results = spec.results.map((r) => `| \`${r.name}\` | ${cell(r.description)} |`).join('\n');
  return `# ${ann['tekton.dev/displayName']}

${cell(spec.description)}

Version ${version}. Image: \`${image}\`. Platforms: ${ann['tekton.dev/platforms']}.
Requires Tekton Pipelines >= ${ann['tekton.dev/pipelines.minVersion']}.

## Install

\`\`\`sh
kubectl apply -f ${TASK_NAME}.yaml
kubectl apply -f samples/rbac.yaml    # Roles for the pipeline's service account (edit the subject)
\`\`\`

## Use it as a finally task

\`\`\`yaml
  finally:
    - name: attest
      taskRef:
        name: ${TASK_NAME}
      params:
        - name: pipelinerun-name
          value: $(context.pipelineRun.name)
      workspaces:
        - name: signing-secrets
          workspace: signing-secrets   # bound to the Secret made by: cosign generate-key-pair k8s://NS/signing-secrets
\`\`\`

\`samples/pipeline.yaml\` is the TEP-0084 pipeline (clone, scan, build, scan image) with this task in
\`finally\`; \`samples/pipelinerun.yaml\` runs it with key signing, \`samples/pipelinerun-frsca.yaml\` with
keyless signing, Rekor and both \`tekton\` and \`oci\` storage.

Attest a PipelineRun by hand (every param has a default, so nothing is prompted):

\`\`\`sh
tkn task start ${TASK_NAME} -s pipeline -p pipelinerun-name=PIPELINERUN -w name=signing-secrets,secret=signing-secrets --use-param-defaults --showlog
\`\`\`

Or resolve it from its Tekton Bundle without installing it (\`samples/taskrun-bundle.yaml\`):

\`\`\`yaml
      taskRef:
        resolver: bundles
        params:
          - { name: bundle, value: ghcr.io/tekton-attest/catalog/${TASK_NAME}:${version} }
          - { name: name, value: ${TASK_NAME} }
          - { name: kind, value: task }
\`\`\`

## Parameters

| name | default | description |
| --- | --- | --- |
${params}

## Workspaces

| name | optional | description |
| --- | --- | --- |
${workspaces}

## Results

| name | description |
| --- | --- |
${results}

## Permissions

\`samples/rbac.yaml\` holds one namespaced Role per need: reading the run (always), patching the PipelineRun
(\`storage\` includes \`tekton\`), patching its TaskRuns (\`taskrun-storage\` includes \`tekton\`, the default, as
Chains' \`artifacts.taskrun.storage\`), reading one key Secret (\`key=k8s://...\`) and reading the service account's
pull secrets (\`registry-credentials-from-api=true\`). No cluster-wide permission is needed.

## Security

The step runs as user 65532 with a read-only root filesystem, no privilege escalation and every capability
dropped. Params reach the program as environment variables (\`TEKTON_ATTEST_*\`), never through a script; keys
are read from files or through the API, never from environment variables.

## Verify

\`\`\`sh
cosign verify-attestation --key cosign.pub --type slsaprovenance1 IMAGE   # format slsa/v2alpha3, slsa/v2alpha4
cosign verify-attestation --key cosign.pub --type slsaprovenance IMAGE    # format slsa/v1
\`\`\`
`;
}

/** Task param name -> Kurator `.Params` key (Go templates cannot address keys with dashes). */
function kuratorKey(name) {
  return name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

/** The CLI's own fallback for the `dockerconfig` workspace (src/oci/docker-config.ts). */
const KURATOR_DOCKER_CONFIG = '/workspace/dockerconfig';
/** Params Kurator users cannot set: the run comes from the pod label, the key from a fixed Secret. */
const KURATOR_FIXED = {
  'pipelinerun-name': {
    template: '""',
    description: "Empty: the pod's tekton.dev/pipelineRun label (the run Kurator's trigger created).",
  },
  key: {
    template: '"k8s://{{ .Namespace }}/signing-secrets"',
    description:
      'For signer=key: the Secret signing-secrets in the pipeline namespace (cosign.key + cosign.password or ' +
      'x509.pem), read through the API; make it with cosign generate-key-pair k8s://NAMESPACE/signing-secrets.',
  },
};
/**
 * Kurator runs tasks in sequence (no finally) and its pipelines have no results, so image subjects come from
 * the build task's own results (kaniko's IMAGE_URL/IMAGE_DIGEST): deep inspection is on by default there.
 */
const KURATOR_DEFAULTS = { 'deep-inspection': 'true' };

/**
 * The Task as a Kurator predefined-task template (Go text/template, rendered with PredefinedTaskConfig:
 * .PredefinedTaskName, .Namespace, .Params, .OwnerReference).
 */
function kuratorTaskTemplate(task) {
  const spec = structuredClone(task.spec);
  const holes = [];
  const hole = (text) => {
    holes.push(text);
    return `@@KURATOR${holes.length - 1}@@`;
  };
  spec.description = `${spec.description} In Kurator it runs after the tasks before it, with the pipeline's service account.`;
  for (const param of spec.params) {
    const fixed = KURATOR_FIXED[param.name];
    const fallback = KURATOR_DEFAULTS[param.name] ?? param.default;
    if (fixed) param.description = fixed.description;
    param.default = hole(
      fixed?.template ?? `"{{ default ${JSON.stringify(fallback)} .Params.${kuratorKey(param.name)} }}"`,
    );
  }
  // Kurator binds its shared workspace as `source` to every task; a Task that does not declare it is invalid.
  spec.workspaces = [
    {
      name: 'source',
      description:
        "Kurator's shared workspace (kurator-pipeline-shared-data), bound to every task; not used.",
      optional: true,
    },
  ];
  // Kurator keeps registry credentials in the Secret docker-credentials (a config.json), as for kaniko. It is
  // mounted where the CLI looks for a dockerconfig workspace; optional, so pipelines without it still run.
  spec.volumes.push({
    name: 'docker-credentials',
    secret: { secretName: 'docker-credentials', optional: true },
  });
  const step = spec.steps[0];
  step.volumeMounts.push({ name: 'docker-credentials', mountPath: KURATOR_DOCKER_CONFIG, readOnly: true });
  // The catalog Task's workspaces are gone, and so are the variables naming them.
  step.env = step.env.filter((e) => !String(e.value).includes('$(workspaces.'));

  const metadata = stringify(
    { labels: task.metadata.labels, annotations: kuratorAnnotations(task.metadata.annotations) },
    { lineWidth: 0 },
  );
  let body = stringify({ spec }, { lineWidth: 0 });
  body = body.replace(/(["']?)@@KURATOR(\d+)@@\1/g, (_, _q, i) => holes[Number(i)]);
  if (body.includes('@@KURATOR')) throw new Error('kurator template: a placeholder was not replaced');
  return `apiVersion: ${task.apiVersion}
kind: ${task.kind}
metadata:
  name: {{ .PredefinedTaskName }}
  namespace: {{ .Namespace }}
${indent(metadata, 2)}${ownerReferences()}
${body}`;
}

function kuratorAnnotations(annotations) {
  // Artifact Hub metadata describes the catalog entry, not the object Kurator creates.
  return Object.fromEntries(Object.entries(annotations).filter(([k]) => !k.startsWith('artifacthub.io/')));
}

function ownerReferences() {
  return `{{- if .OwnerReference }}
  ownerReferences:
  - apiVersion: "{{ .OwnerReference.APIVersion }}"
    kind: "{{ .OwnerReference.Kind }}"
    name: "{{ .OwnerReference.Name }}"
    uid: "{{ .OwnerReference.UID }}"
{{- end }}`;
}

function indent(text, spaces) {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}

/** Roles from task/rbac.yaml that a Kurator pipeline's service account needs (tekton storage, TaskRun-level tekton storage, k8s:// key). */
const KURATOR_ROLES = [
  'tekton-attest',
  'tekton-attest-tekton-storage',
  'tekton-attest-taskrun-storage',
  'tekton-attest-signing-key',
];

/** One Role + RoleBinding for the Kurator pipeline's service account (rendered with RBACConfig). */
function kuratorRbacTemplate(rbacText) {
  const roles = parseAllDocuments(rbacText)
    .map((d) => d.toJS())
    .filter((o) => o?.kind === 'Role' && KURATOR_ROLES.includes(o.metadata.name));
  if (roles.length !== KURATOR_ROLES.length) throw new Error(`${RBAC_FILE}: missing one of ${KURATOR_ROLES}`);
  const rules = stringify(
    roles.flatMap((r) => r.rules),
    { lineWidth: 0 },
  );
  const meta = (name) => `metadata:
  name: "{{ .PipelineName }}-${name}"
  namespace: "{{ .PipelineNamespace }}"
${ownerReferences()}`;
  return `# tekton-attest's Role for a Kurator pipeline's service account (named after the pipeline).
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
${meta(TASK_NAME)}
rules:
${rules.trimEnd()}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
${meta(TASK_NAME)}
subjects:
- kind: ServiceAccount
  name: "{{ .ServiceAccountName }}"
  namespace: "{{ .PipelineNamespace }}"
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: "{{ .PipelineName }}-${TASK_NAME}"
`;
}

function kuratorGoSource(template) {
  if (template.includes('`')) throw new Error('kurator template: a backtick cannot go into a Go raw string');
  return `// Generated from task/${TASK_NAME}.yaml by \`npm run catalog\`: the tekton-attest predefined task for
// kurator-dev/kurator pkg/fleet-manager/pipeline/render (see catalog/kurator/README.md).

package render

// TektonAttestTaskContent signs SLSA provenance for the pipeline run it runs in.
// Here are the params that user can config:
//   - format: provenance format (default: slsa/v2alpha4; slsa/v1 = SLSA v0.2)
//   - storage: tekton, oci, file, comma-separated (default: tekton,oci)
//   - signer: key (the Secret signing-secrets in the pipeline's namespace) or keyless (default: key)
//   - transparency: upload to Rekor, true/false (default: false)
//   - deepInspection: take subjects from every task's results (default: true)
//   - builderId, buildType, ociRepository, ociEncoding, signImages, markSigned, rekorUrl, fulcioUrl,
//     registryCredentialsFromApi, insecureRegistry, waitTimeout, requireComplete, timeout,
//     registryRequestTimeout, maxInputSize, statusFieldManager, allowForeignStatus, bestEffort, logLevel
const TektonAttestTaskContent = \`${template}\`
`;
}

async function main(argv) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const imageAt = argv.indexOf('--image');
  if (imageAt >= 0) await pinImage(root, argv[imageAt + 1] ?? '');
  const files = await renderCatalog(root);
  const stale = (await existingGeneratedPaths(root)).filter((p) => !files.has(p));
  if (argv.includes('--check')) {
    const outOfDate = [...stale];
    for (const [file, { content }] of files) {
      const current = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
      if (current !== content) outOfDate.push(file);
    }
    if (outOfDate.length > 0) {
      console.error(`catalog/ is out of date (run npm run catalog):\n  ${outOfDate.join('\n  ')}`);
      process.exitCode = 1;
    }
    return;
  }
  for (const file of stale) await rm(path.join(root, file));
  for (const [file, { content, executable }] of files) {
    const target = path.join(root, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
    await chmod(target, executable ? 0o755 : 0o644);
  }
  console.log(`catalog: wrote ${files.size} files${stale.length ? `, removed ${stale.length} stale` : ''}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`catalog: ${error.message}`);
    process.exitCode = 1;
  });
}
