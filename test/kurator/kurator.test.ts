// catalog/kurator: the predefined-task and RBAC templates render (with Kurator's config shapes) into a valid
// Task and the Role its service account needs; the README's Kurator Pipeline uses them correctly.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { dockerConfigSources } from '../../src/oci/docker-config.js';
import { stepProblems } from '../catalog/catlin.js';
import { repoRoot } from '../peers/versions.js';
import { TEKTON_CHECK_BUILD_TIMEOUT_MS, tektonValidate } from '../task/tekton-check.js';
import { taskProblems } from '../task/validate-task.js';
import { type KuratorRenderData, renderKuratorTemplate } from './kurator-render.js';

type Json = Record<string, unknown>;
interface Task {
  metadata: { name: string; namespace: string; ownerReferences?: Json[] };
  spec: {
    params: { name: string; default: string }[];
    workspaces: { name: string; optional?: boolean }[];
    volumes: Json[];
    steps: { env: { name: string; value?: string }[]; volumeMounts: { name: string; mountPath: string }[] }[];
  };
}

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');
const taskTemplate = read('catalog/kurator/tekton-attest.tmpl');
const catalogTask = parse(read('task/tekton-attest.yaml')) as Task;
const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const ownerReference = {
  APIVersion: 'pipeline.kurator.dev/v1alpha1',
  Kind: 'Pipeline',
  Name: 'quick-start',
  UID: '6a1c3f5e-0000-4000-8000-000000000001',
};

/** Kurator's PredefinedTaskConfig for template `tekton-attest` in pipeline `quick-start`. */
function renderTaskText(
  params: Record<string, string>,
  owner: KuratorRenderData['OwnerReference'] = ownerReference,
): Promise<string> {
  return renderKuratorTemplate('catalog/kurator/tekton-attest.tmpl', {
    PipelineName: 'quick-start',
    Namespace: 'kurator-pipeline',
    TemplateName: 'tekton-attest',
    PredefinedTaskName: 'tekton-attest-quick-start',
    Params: params,
    OwnerReference: owner,
  });
}

async function renderTask(
  params: Record<string, string>,
  owner: KuratorRenderData['OwnerReference'] = ownerReference,
): Promise<Task> {
  return parse(await renderTaskText(params, owner)) as Task;
}

const defaults = (task: Task) => Object.fromEntries(task.spec.params.map((p) => [p.name, p.default]));

describe('the predefined-task template', () => {
  test('renders a valid Task named <template>-<pipeline>, owned by the Kurator Pipeline', async () => {
    const task = await renderTask({ format: 'slsa/v1', storage: 'tekton' });
    expect(taskProblems(task)).toEqual([]);
    expect(stepProblems(task as unknown as Json)).toEqual([]);
    expect(task.metadata.name).toBe('tekton-attest-quick-start');
    expect(task.metadata.namespace).toBe('kurator-pipeline');
    expect(task.metadata.ownerReferences).toEqual([
      {
        apiVersion: ownerReference.APIVersion,
        kind: ownerReference.Kind,
        name: ownerReference.Name,
        uid: ownerReference.UID,
      },
    ]);
  });

  test(
    "Tekton's own validation accepts the rendered Task, with and without params",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kurator-'));
      writeFileSync(join(dir, 'default.yaml'), await renderTaskText({}, null));
      writeFileSync(
        join(dir, 'custom.yaml'),
        await renderTaskText({ signer: 'keyless', transparency: 'true', storage: 'oci' }),
      );
      const reports = await tektonValidate([join(dir, 'default.yaml'), join(dir, 'custom.yaml')]);
      expect(reports.map((r) => [r.kind, r.name, r.error])).toEqual([
        ['Task', 'tekton-attest-quick-start', undefined],
        ['Task', 'tekton-attest-quick-start', undefined],
      ]);
    },
    TEKTON_CHECK_BUILD_TIMEOUT_MS,
  );

  test('user params become the param defaults; unset ones keep the catalog defaults', async () => {
    const rendered = defaults(await renderTask({ format: 'slsa/v1', storage: 'tekton', waitTimeout: '2m' }));
    expect(rendered).toMatchObject({ format: 'slsa/v1', storage: 'tekton', 'wait-timeout': '2m' });
    const catalog = defaults(catalogTask);
    const untouched = defaults(await renderTask({}));
    for (const [name, value] of Object.entries(untouched)) {
      if (['key', 'deep-inspection'].includes(name)) continue;
      expect(value, name).toBe(catalog[name]);
    }
    expect(Object.keys(untouched)).toEqual(Object.keys(catalog));
  });

  test('Kurator specifics: the source workspace, the key Secret by API, docker-credentials, deep inspection', async () => {
    const task = await renderTask({}, null);
    expect(task.metadata.ownerReferences).toBeUndefined();
    expect(task.spec.workspaces).toEqual([expect.objectContaining({ name: 'source', optional: true })]);
    expect(defaults(task)).toMatchObject({
      key: 'k8s://kurator-pipeline/signing-secrets',
      'deep-inspection': 'true',
      'pipelinerun-name': '',
    });
    // Mounted where the CLI looks for a dockerconfig workspace when no --docker-config is given.
    const fallbacks = dockerConfigSources({ env: {}, home: '/nonexistent' }).map((s) => s.description);
    const mount = task.spec.steps[0]?.volumeMounts.find((m) => m.name === 'docker-credentials');
    expect(fallbacks.some((d) => d.includes(mount?.mountPath ?? '?'))).toBe(true);
    expect(task.spec.volumes).toContainEqual({
      name: 'docker-credentials',
      secret: { secretName: 'docker-credentials', optional: true },
    });
    expect(task.spec.steps[0]?.env.map((e) => e.name)).not.toContain('TEKTON_ATTEST_DOCKER_CONFIG');
  });

  test('every user-settable param is a Task param (camelCase key) and the template uses no other', () => {
    const keys = [...taskTemplate.matchAll(/\.Params\.([A-Za-z]+)/g)].map((m) => m[1]);
    const settable = catalogTask.spec.params
      .map((p) => camel(p.name))
      .filter((k) => !['pipelinerunName', 'key'].includes(k));
    expect(keys.sort()).toEqual(settable.sort());
    const readme = read('catalog/kurator/README.md');
    for (const key of settable) expect(readme, `README documents ${key}`).toContain(`\`${key}\``);
  });

  test('the Go source embeds the same template as a raw string constant', () => {
    const go = read('catalog/kurator/predefined_task_content.go');
    expect(go).toContain('package render');
    expect(go).toContain(`const TektonAttestTaskContent = \`${taskTemplate}\``);
  });
});

describe('the RBAC template', () => {
  test("renders a Role and RoleBinding for the pipeline's service account", async () => {
    const objects = parseAllDocuments(
      await renderKuratorTemplate('catalog/kurator/rbac.tmpl', {
        PipelineName: 'quick-start',
        PipelineNamespace: 'kurator-pipeline',
        ServiceAccountName: 'quick-start',
        OwnerReference: ownerReference,
      }),
    ).map((d) => d.toJS()) as {
      kind: string;
      metadata: { name: string; namespace: string; ownerReferences: Json[] };
      rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
      subjects?: Json[];
      roleRef?: Json;
    }[];
    const role = objects.find((o) => o.kind === 'Role');
    const binding = objects.find((o) => o.kind === 'RoleBinding');
    expect(role?.metadata).toMatchObject({
      name: 'quick-start-tekton-attest',
      namespace: 'kurator-pipeline',
    });
    expect(role?.metadata.ownerReferences).toHaveLength(1);
    const grants = (role?.rules ?? []).flatMap((r) =>
      r.resources.flatMap((res) =>
        r.verbs.map((v) => `${res}:${v}${r.resourceNames ? `:${r.resourceNames}` : ''}`),
      ),
    );
    expect(grants.sort()).toEqual(
      [
        'pipelineruns:get',
        'pipelineruns:patch',
        'taskruns:get',
        'taskruns:list',
        'taskruns:patch',
        'customruns:get',
        'customruns:list',
        'secrets:get:signing-secrets',
      ].sort(),
    );
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'quick-start', namespace: 'kurator-pipeline' },
    ]);
    expect(binding?.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'quick-start-tekton-attest',
    });
    // The key the Task reads is one the Role lets it read.
    const key = defaults(await renderTask({})).key ?? '';
    expect(key.split('/').pop()).toBe('signing-secrets');
  });
});

describe('the README', () => {
  test('its Kurator Pipeline uses the predefined task last, with params the template knows', async () => {
    const readme = read('catalog/kurator/README.md');
    const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const pipeline = parse(yamlBlock) as {
      apiVersion: string;
      kind: string;
      spec: { tasks: { name: string; predefinedTask?: { name: string; params?: Record<string, string> } }[] };
    };
    expect(pipeline.apiVersion).toBe('pipeline.kurator.dev/v1alpha1');
    expect(pipeline.kind).toBe('Pipeline');
    const last = pipeline.spec.tasks.at(-1);
    expect(last?.name).toBe('tekton-attest');
    expect(last?.predefinedTask?.name).toBe('tekton-attest');
    const known = new Set([...taskTemplate.matchAll(/\.Params\.([A-Za-z]+)/g)].map((m) => m[1]));
    for (const key of Object.keys(last?.predefinedTask?.params ?? {})) expect(known.has(key), key).toBe(true);
    const rendered = defaults(await renderTask(last?.predefinedTask?.params ?? {}));
    expect(taskProblems(await renderTask(last?.predefinedTask?.params ?? {}))).toEqual([]);
    expect(rendered.storage).toBe('tekton,oci');
  });
});
