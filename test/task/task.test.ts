// task/: the Task is valid, passes every param to the CLI through env only (names the CLI knows, values it
// accepts), runs locked down; the RBAC is least privilege; the examples are the TEP-0084 pipeline with the
// Task in finally, and everything they reference exists.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { Options } from 'yargs';
import {
  formatOptions,
  keyOptions,
  kubeOptions,
  limitOptions,
  registryOptions,
  runOptions,
  signerOptions,
  storageOptions,
} from '../../src/cli/options.js';
import { parseStorage } from '../../src/config/attest.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { parseFormatOptions } from '../../src/config/format.js';
import { parseDuration } from '../../src/config/values.js';
import { FIXTURES_DIR } from '../harness/fixtures.js';
import { repoRoot } from '../peers/versions.js';
import { TEKTON_CHECK_BUILD_TIMEOUT_MS, tektonCheckBin, tektonValidate } from './tekton-check.js';
import { taskProblems } from './validate-task.js';

type Json = Record<string, unknown>;
interface Param {
  name: string;
  default?: string;
  description?: string;
}
interface EnvVar {
  name: string;
  value?: string;
}
interface Step {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  script?: string;
  env: EnvVar[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext: Json & { capabilities: { drop: string[] } };
}
interface Task {
  metadata: { name: string };
  spec: {
    params: Param[];
    workspaces: { name: string; optional?: boolean; mountPath?: string; readOnly?: boolean }[];
    results: { name: string }[];
    volumes: Json[];
    steps: Step[];
  };
}

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');
const docs = (file: string) => parseAllDocuments(read(file)).map((d) => d.toJS() as Json);
const task = parse(read('task/tekton-attest.yaml')) as Task;
const step = task.spec.steps[0] as Step;
const env = new Map(step.env.map((e) => [e.name, e.value]));
const param = (name: string) => task.spec.params.find((p) => p.name === name);

/** Every option of the attest command (its groups) plus the root's --log-level. */
const attestOptions: Record<string, Options> = {
  ...formatOptions,
  ...kubeOptions,
  ...keyOptions,
  ...signerOptions,
  ...registryOptions,
  ...storageOptions,
  ...runOptions,
  ...limitOptions,
  'log-level': { type: 'string', choices: ['debug', 'info', 'warn', 'error'] },
};
const optionOfEnv = (name: string) =>
  name
    .replace(/^TEKTON_ATTEST_/, '')
    .toLowerCase()
    .replaceAll('_', '-');
/** The param whose value an env var carries, when it carries exactly one. */
const paramOfEnv = (value: string | undefined) => /^\$\(params\.([a-z-]+)\)$/.exec(value ?? '')?.[1];

describe('the Task', () => {
  test('is a valid tekton.dev/v1 Task', () => {
    expect(taskProblems(task)).toEqual([]);
    expect(task.metadata.name).toBe('tekton-attest');
  });

  test('the validator catches a broken Task', () => {
    const broken = structuredClone(task) as Task;
    broken.spec.params.push({ name: 'format' });
    (broken.spec.steps[0] as Step).env.push({ name: 'X', value: '$(params.nope) $(workspaces.nope.path)' });
    (broken.spec.steps[0] as Step).volumeMounts.push({ name: 'ghost', mountPath: '/ghost' });
    expect(taskProblems(broken)).toEqual(
      expect.arrayContaining([
        'params: format twice',
        '$(params.nope): no such param',
        '$(workspaces.nope.path): no such workspace variable',
        'step attest: volumeMount ghost names no volume',
      ]),
    );
  });

  test('every param has a default (tkn task start --use-param-defaults never prompts) and reaches the step', () => {
    const used = new Set(step.env.map((e) => paramOfEnv(e.value)).filter(Boolean));
    for (const p of task.spec.params) {
      expect(p.default, `param ${p.name}`).toEqual(expect.any(String));
      expect(used.has(p.name), `param ${p.name} is passed to the step`).toBe(true);
      expect(p.description, `param ${p.name}`).toBeTruthy();
    }
  });

  test('params reach the CLI only as TEKTON_ATTEST_* env, never through a script', () => {
    expect(step.script).toBeUndefined();
    expect(step.command).toEqual(['/nodejs/bin/node', '/app/dist/cli.js']);
    expect(step.args).toEqual(['attest']);
    expect(JSON.stringify([step.command, step.args])).not.toContain('$(');
    for (const e of step.env) {
      if (e.name === 'HOME') continue;
      expect(e.name, 'env names follow the CLI env prefix').toMatch(/^TEKTON_ATTEST_[A-Z_]+$/);
      expect(
        attestOptions[optionOfEnv(e.name)],
        `${e.name} is an option of tekton-attest attest`,
      ).toBeDefined();
    }
  });

  test('every default is a value the CLI accepts (yargs rejects "" for options with choices)', () => {
    for (const e of step.env) {
      const option = attestOptions[optionOfEnv(e.name)];
      const name = paramOfEnv(e.value);
      const value = name ? param(name)?.default : e.value;
      if (option?.choices) expect(option.choices, `${e.name}=${value}`).toContain(value);
      // sign-images alone defaults to "" (unset): the CLI's own default, on, which an Ed25519 key with
      // transparency skips with a warning, where an explicit "true" would fail the run (docs/oci.md).
      const unsetAllowed = name === 'sign-images' ? [''] : [];
      if (option?.type === 'boolean')
        expect(['true', 'false', ...unsetAllowed], `${e.name}=${value}`).toContain(value);
    }
    expect(parseStorage(param('storage')?.default)).toEqual(DEFAULTS.storage);
    expect(parseDuration(param('wait-timeout')?.default, '--wait-timeout', 0)).toBe(DEFAULTS.waitTimeoutMs);
    const format = parseFormatOptions({
      format: param('format')?.default,
      'build-type': param('build-type')?.default,
      'builder-id': param('builder-id')?.default,
    });
    expect(format).toMatchObject({
      format: DEFAULTS.format,
      buildType: DEFAULTS.buildType,
      builderId: DEFAULTS.builderId,
    });
  });

  test('knows its run: params, the context, and the pod labels through the Downward API', () => {
    expect(param('pipelinerun-name')?.default).toBe('');
    expect(env.get('TEKTON_ATTEST_PIPELINERUN')).toBe('$(params.pipelinerun-name)');
    expect(env.get('TEKTON_ATTEST_TASKRUN')).toBe('$(context.taskRun.name)');
    expect(env.get('TEKTON_ATTEST_NAMESPACE')).toBe('$(context.taskRun.namespace)');
    const podinfo = task.spec.volumes.find((v) => v.name === 'podinfo') as {
      downwardAPI: { items: { path: string; fieldRef: { fieldPath: string } }[] };
    };
    expect(podinfo.downwardAPI.items).toEqual([
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
    ]);
    const mount = step.volumeMounts.find((m) => m.name === 'podinfo');
    expect(`${mount?.mountPath}/labels`).toBe(env.get('TEKTON_ATTEST_POD_LABELS_FILE'));
  });

  test('keyless: a projected service-account token with audience sigstore where the CLI looks for it', () => {
    const volume = task.spec.volumes.find((v) => v.name === 'sigstore-oidc') as {
      projected: {
        sources: { serviceAccountToken: { audience: string; path: string; expirationSeconds: number } }[];
      };
    };
    const token = volume.projected.sources[0]?.serviceAccountToken;
    expect(token?.audience).toBe('sigstore');
    expect(token?.expirationSeconds).toBeGreaterThanOrEqual(600); // the API server's minimum
    const mount = step.volumeMounts.find((m) => m.name === 'sigstore-oidc');
    expect(`${mount?.mountPath}/${token?.path}`).toBe(DEFAULTS.identityTokenFile);
    expect(env.get('TEKTON_ATTEST_IDENTITY_TOKEN_FILE')).toBe(DEFAULTS.identityTokenFile);
  });

  test('optional workspaces: the signing key where the key param points, a docker config by path', () => {
    const ws = new Map(task.spec.workspaces.map((w) => [w.name, w]));
    expect([...ws.keys()].sort()).toEqual(['dockerconfig', 'output', 'signing-secrets']);
    for (const w of ws.values()) expect(w.optional).toBe(true);
    expect(ws.get('signing-secrets')?.readOnly).toBe(true);
    expect(ws.get('dockerconfig')?.readOnly).toBe(true);
    // storage=file writes into the output workspace.
    expect(env.get('TEKTON_ATTEST_OUTPUT_DIR')).toBe('$(workspaces.output.path)');
    expect(param('key')?.default).toBe(ws.get('signing-secrets')?.mountPath);
    // Unbound, $(workspaces.dockerconfig.path) is "" and the CLI falls back to its other credential sources.
    expect(env.get('TEKTON_ATTEST_DOCKER_CONFIG')).toBe('$(workspaces.dockerconfig.path)');
  });

  test('results are written by the CLI into /tekton/results', () => {
    expect(env.get('TEKTON_ATTEST_RESULTS_DIR')).toBe('/tekton/results');
    expect(task.spec.results.map((r) => r.name)).toEqual([
      'ATTESTATION_DIGEST',
      'SUBJECTS',
      'STORAGE',
      'FOREIGN_STATUS',
    ]);
  });

  test('runs locked down: non-root 65532, read-only root, no escalation, no capabilities; a writable /tmp as HOME', () => {
    expect(step.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const tmp = task.spec.volumes.find((v) => v.name === 'tmp') as { emptyDir?: Json };
    expect(tmp.emptyDir).toBeDefined();
    expect(step.volumeMounts.find((m) => m.name === 'tmp')?.mountPath).toBe('/tmp');
    expect(env.get('HOME')).toBe('/tmp');
    for (const m of step.volumeMounts.filter((m) => m.name !== 'tmp')) expect(m.readOnly, m.name).toBe(true);
  });
});

describe('task/rbac.yaml', () => {
  const objects = docs('task/rbac.yaml') as {
    kind: string;
    metadata: { name: string };
    rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
    roleRef?: { kind: string; name: string };
    subjects?: { kind: string; name: string }[];
  }[];
  const roles = new Map(
    objects.filter((o) => o.kind === 'Role').map((r) => [r.metadata.name, r.rules ?? []]),
  );
  const grants = (role: string) =>
    (roles.get(role) ?? []).flatMap((r) =>
      r.resources.flatMap((res) => r.verbs.map((v) => `${r.apiGroups[0] || 'core'}/${res}:${v}`)),
    );

  test('only namespaced Roles, no wildcards', () => {
    expect(objects.map((o) => o.kind).every((k) => k === 'Role' || k === 'RoleBinding')).toBe(true);
    expect(JSON.stringify(objects)).not.toContain('"*"');
  });

  test('the base Role reads runs and nothing else', () => {
    expect(grants('tekton-attest').sort()).toEqual([
      'tekton.dev/customruns:get',
      'tekton.dev/customruns:list',
      'tekton.dev/pipelineruns:get',
      'tekton.dev/taskruns:get',
      'tekton.dev/taskruns:list',
    ]);
  });

  test('patch on PipelineRuns, on TaskRuns and Secret/ServiceAccount reads live in their own, optional Roles', () => {
    expect(grants('tekton-attest-tekton-storage')).toEqual(['tekton.dev/pipelineruns:patch']);
    expect(grants('tekton-attest-taskrun-storage')).toEqual(['tekton.dev/taskruns:patch']);
    const writers = [...roles.keys()].filter((r) =>
      grants(r).some((g) => /:(patch|update|create|delete)$/.test(g)),
    );
    expect(writers).toEqual(['tekton-attest-tekton-storage', 'tekton-attest-taskrun-storage']);
    for (const [name, rules] of roles) {
      for (const rule of rules.filter((r) =>
        r.resources.some((x) => x === 'secrets' || x === 'serviceaccounts'),
      )) {
        expect(rule.resourceNames?.length, `${name} reads ${rule.resources} by name only`).toBeGreaterThan(0);
        expect(rule.verbs).toEqual(['get']);
      }
    }
  });

  test('every Role is bound to the pipeline service account', () => {
    const bindings = objects.filter((o) => o.kind === 'RoleBinding');
    for (const role of roles.keys()) {
      const binding = bindings.find((b) => b.roleRef?.name === role);
      expect(binding?.roleRef?.kind, role).toBe('Role');
      expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'pipeline' }]);
    }
  });
});

describe('task/examples', () => {
  const fixturesDir = join(FIXTURES_DIR, 'tep-0084');
  const fixture = parse(readFileSync(join(fixturesDir, 'simple-build-pipeline.yaml'), 'utf8')) as {
    metadata: { name: string };
    spec: { params: Json[]; results: Json[]; tasks: Json[]; workspaces: Json[] };
  };
  const pipeline = parse(read('task/examples/pipeline.yaml')) as {
    apiVersion: string;
    metadata: { name: string };
    spec: {
      params: { name: string }[];
      results: Json[];
      tasks: Json[];
      finally: {
        name: string;
        taskRef: Json;
        params: { name: string; value: string }[];
        workspaces: Json[];
      }[];
      workspaces: { name: string; optional?: boolean }[];
    };
  };

  test('the Pipeline is the TEP-0084 example (same tasks, params, results) in tekton.dev/v1', () => {
    expect(pipeline.apiVersion).toBe('tekton.dev/v1');
    expect(pipeline.metadata.name).toBe(fixture.metadata.name);
    expect(pipeline.spec.results).toEqual(fixture.spec.results);
    for (const p of fixture.spec.params) expect(pipeline.spec.params).toContainEqual(p);
    expect(pipeline.spec.tasks.map((t) => t.name)).toEqual(fixture.spec.tasks.map((t) => t.name));
    for (const [i, original] of fixture.spec.tasks.entries()) {
      const converted = pipeline.spec.tasks[i] as Json;
      for (const key of ['params', 'runAfter', 'workspaces'])
        expect(converted[key], `${original.name} ${key}`).toEqual(original[key]);
      // v1 has no taskRef.bundle: the bundles resolver takes its place; ClusterTask is gone: a Task.
      const ref = original.taskRef as { bundle?: string; name: string };
      const convertedRef = converted.taskRef as {
        resolver?: string;
        params?: { name: string; value: string }[];
        name?: string;
      };
      if (ref.bundle) {
        expect(convertedRef.resolver).toBe('bundles');
        expect(convertedRef.params).toContainEqual({ name: 'name', value: ref.name });
        expect(convertedRef.params).toContainEqual({ name: 'kind', value: 'task' });
      } else {
        expect(convertedRef.name).toBe(ref.name);
      }
    }
  });

  test('tekton-attest runs in finally, with only params and workspaces the Task declares', () => {
    const [attest] = pipeline.spec.finally;
    expect(pipeline.spec.finally).toHaveLength(1);
    expect(attest?.taskRef).toEqual({ kind: 'Task', name: 'tekton-attest' });
    const declared = new Set(task.spec.params.map((p) => p.name));
    for (const p of attest?.params ?? []) expect(declared.has(p.name), p.name).toBe(true);
    expect(attest?.params).toContainEqual({ name: 'pipelinerun-name', value: '$(context.pipelineRun.name)' });
    // A finally task consuming a result that was never produced would be skipped: it takes none.
    expect(JSON.stringify(attest)).not.toMatch(/\$\(tasks\./);
    const pipelineParams = new Set(pipeline.spec.params.map((p) => p.name));
    for (const p of attest?.params ?? []) {
      const ref = /^\$\(params\.([a-z-]+)\)$/.exec(p.value)?.[1];
      if (ref) expect(pipelineParams.has(ref), ref).toBe(true);
    }
    const optional = pipeline.spec.workspaces.filter((w) => w.optional).map((w) => w.name);
    expect(optional.sort()).toEqual(['dockerconfig', 'signing-secrets']);
  });

  test('the PipelineRuns run that Pipeline with its params and workspaces; FRSCA stores to tekton and oci, keyless', () => {
    const pipelineParams = new Set(pipeline.spec.params.map((p) => p.name));
    const pipelineWorkspaces = new Set(pipeline.spec.workspaces.map((w) => w.name));
    for (const file of [
      'task/examples/pipelinerun.yaml',
      'task/examples/pipelinerun-frsca.yaml',
      'task/examples/pipelinerun-hardened.yaml',
    ]) {
      const [run] = docs(file) as {
        kind: string;
        spec: {
          pipelineRef: { name: string };
          taskRunTemplate: { serviceAccountName: string };
          params: { name: string; value: string }[];
          workspaces: { name: string }[];
        };
      }[];
      expect(run?.kind).toBe('PipelineRun');
      expect(run?.spec.pipelineRef.name).toBe(pipeline.metadata.name);
      expect(run?.spec.taskRunTemplate.serviceAccountName).toBe('pipeline');
      for (const p of run?.spec.params ?? [])
        expect(pipelineParams.has(p.name), `${file}: ${p.name}`).toBe(true);
      for (const w of run?.spec.workspaces ?? [])
        expect(pipelineWorkspaces.has(w.name), `${file}: ${w.name}`).toBe(true);
    }
    const [frsca] = docs('task/examples/pipelinerun-frsca.yaml') as {
      spec: { params: { name: string; value: string }[] };
    }[];
    const values = Object.fromEntries((frsca?.spec.params ?? []).map((p) => [p.name, p.value]));
    expect(values).toMatchObject({
      'attest-storage': 'tekton,oci',
      'attest-signer': 'keyless',
      'attest-transparency': 'true',
      'attest-sign-images': 'true',
    });
  });

  test('the bundles-resolver TaskRun and the tkn line name things that exist', () => {
    const [run] = docs('task/examples/taskrun-bundle.yaml') as {
      spec: {
        taskRef: { resolver: string; params: { name: string; value: string }[] };
        params: { name: string }[];
      };
    }[];
    expect(run?.spec.taskRef.resolver).toBe('bundles');
    const refParams = Object.fromEntries((run?.spec.taskRef.params ?? []).map((p) => [p.name, p.value]));
    expect(refParams).toMatchObject({ name: 'tekton-attest', kind: 'task' });
    expect(refParams.bundle).toMatch(/^[a-z0-9.-]+\/[a-z0-9./-]+:[\w.-]+$/);
    for (const p of run?.spec.params ?? []) expect(param(p.name), p.name).toBeDefined();

    const tkn = read('task/examples/tkn-task-start.sh');
    expect(tkn).toMatch(
      /tkn task start tekton-attest -s "\$service_account" -p pipelinerun-name="\$pipelinerun"/,
    );
    expect(tkn).toContain('--use-param-defaults');
    expect(tkn).toContain('--showlog');
    expect(tkn).toContain('-w name=signing-secrets,secret=signing-secrets');
  });
});

describe("Tekton's own validation (tektoncd/pipeline SetDefaults + Validate)", () => {
  beforeAll(async () => {
    await tektonCheckBin();
  }, TEKTON_CHECK_BUILD_TIMEOUT_MS);

  const yamlFiles = (dir: string): string[] =>
    readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(dir, f));

  test('accepts the Task, the examples, the catalog copies and the catalog test run', async () => {
    const reports = await tektonValidate([...yamlFiles('task'), ...yamlFiles('catalog/task')]);
    expect(reports.filter((r) => r.error)).toEqual([]);
    const kinds = reports.map((r) => `${r.kind}/${r.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Task/tekton-attest',
        'Pipeline/simple-build',
        'Pipeline/tekton-attest-test',
        'PipelineRun/tekton-attest-test-run',
        'TaskRun/tekton-attest-x1y2z',
      ]),
    );
    expect(reports.length).toBeGreaterThanOrEqual(14);
  });

  test('rejects a Task with an undeclared param or a misspelt field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tekton-check-'));
    const text = read('task/tekton-attest.yaml');
    writeFileSync(join(dir, 'param.yaml'), text.replace('$(params.format)', '$(params.formt)'));
    writeFileSync(join(dir, 'field.yaml'), text.replace('runAsUser: 65532', 'runAsUsr: 65532'));
    const reports = await tektonValidate([join(dir, 'param.yaml'), join(dir, 'field.yaml')]);
    expect(reports.map((r) => r.error)).toEqual([
      expect.stringContaining('non-existent variable in "$(params.formt)"'),
      expect.stringContaining('unknown field "runAsUsr"'),
    ]);
  });
});
