// catalog/ is generated from task/ (npm run catalog) and must stay in sync; task/ and catalog/ follow the
// catlin rules that can be checked offline.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { existingGeneratedPaths, renderCatalog, TASK_FILE } from '../../scripts/catalog.mjs';
import { repoRoot } from '../peers/versions.js';
import { catalogMetadataProblems, stepProblems } from './catlin.js';

type Json = Record<string, unknown>;

const task = parse(readFileSync(join(repoRoot, TASK_FILE), 'utf8')) as Json;
const version = (task.metadata as { labels: Record<string, string> }).labels['app.kubernetes.io/version'];
const catalogTaskPath = `catalog/task/tekton-attest/${version}/tekton-attest.yaml`;

function yamlFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) files.push(...yamlFilesUnder(rel));
    else if (/\.ya?ml$/.test(entry.name)) files.push(rel);
  }
  return files;
}

function documents(file: string): Json[] {
  return parseAllDocuments(readFileSync(join(repoRoot, file), 'utf8'))
    .map((d) => d.toJS() as Json | null)
    .filter((d): d is Json => d !== null);
}

describe('catalog/ is generated from task/', () => {
  test('every generated file is on disk, identical, with the same executable bit; nothing stale', async () => {
    const rendered = await renderCatalog(repoRoot);
    expect(rendered.size).toBeGreaterThan(10);
    for (const [file, { content, executable }] of rendered) {
      const onDisk = readFileSync(join(repoRoot, file), 'utf8');
      expect(onDisk, `${file} differs from what npm run catalog writes: run it and commit`).toBe(content);
      expect((statSync(join(repoRoot, file)).mode & 0o100) !== 0, `${file} executable bit`).toBe(executable);
    }
    expect(await existingGeneratedPaths(repoRoot)).toEqual([...rendered.keys()].sort());
  });

  test('the catalog layout: the Task at task/<name>/<X.Y>/<name>.yaml, README, samples, tests', async () => {
    const dir = `catalog/task/tekton-attest/${version}`;
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(version).toBe(pkg.version.split('.').slice(0, 2).join('.'));
    expect(readdirSync(join(repoRoot, dir)).sort()).toEqual([
      'README.md',
      'samples',
      'tekton-attest.yaml',
      'tests',
    ]);
    // The catalog runner installs the only YAML file of the version directory as the Task.
    expect(readdirSync(join(repoRoot, dir)).filter((f) => f.endsWith('.yaml'))).toEqual([
      'tekton-attest.yaml',
    ]);
    expect(readdirSync(join(repoRoot, dir, 'tests')).sort()).toEqual([
      'pre-apply-task-hook.sh',
      'resources.yaml',
      'run.yaml',
    ]);
    const readme = readFileSync(join(repoRoot, dir, 'README.md'), 'utf8');
    for (const param of (task.spec as { params: { name: string }[] }).params) {
      expect(readme).toMatch(new RegExp(`^\\| \`${param.name}\` +\\|`, 'm'));
    }
  });

  test('the test resources grant the Roles to the service account the test run uses', () => {
    const dir = `catalog/task/tekton-attest/${version}/tests`;
    const resources = documents(`${dir}/resources.yaml`);
    const run = documents(`${dir}/run.yaml`);
    const pipelineRun = run.find((d) => d.kind === 'PipelineRun') as {
      spec: { taskRunTemplate: { serviceAccountName: string } };
    };
    const sa = pipelineRun.spec.taskRunTemplate.serviceAccountName;
    expect(resources.some((d) => d.kind === 'ServiceAccount' && (d.metadata as Json).name === sa)).toBe(true);
    const bound = resources
      .filter((d) => d.kind === 'RoleBinding')
      .filter((b) => (b.subjects as Json[]).some((s) => s.kind === 'ServiceAccount' && s.name === sa))
      .map((b) => (b.roleRef as Json).name);
    expect(bound).toEqual(expect.arrayContaining(['tekton-attest', 'tekton-attest-tekton-storage']));
  });
});

describe('catlin rules', () => {
  test('the Task, in task/ and in catalog/, has the metadata catlin requires', () => {
    expect(catalogMetadataProblems(task)).toEqual([]);
    expect(catalogMetadataProblems(documents(catalogTaskPath)[0] ?? {}, catalogTaskPath)).toEqual([]);
  });

  test('Artifact Hub annotations are there and well formed', () => {
    const annotations = (task.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations['artifacthub.io/category']).toBe('security');
    expect(annotations['artifacthub.io/license']).toBe('Apache-2.0');
    expect(annotations['artifacthub.io/provider']).toBeTruthy();
    for (const key of ['artifacthub.io/links', 'artifacthub.io/maintainers', 'artifacthub.io/changes']) {
      const list = parse(annotations[key] ?? '') as Json[];
      expect(Array.isArray(list) && list.length > 0, key).toBe(true);
    }
    for (const change of parse(annotations['artifacthub.io/changes'] ?? '') as Json[]) {
      expect(['added', 'changed', 'deprecated', 'removed', 'fixed', 'security']).toContain(change.kind);
    }
  });

  test('every step in task/ and catalog/ uses a fully qualified, digest-pinned, versioned image, no param in a script, no secret in env', () => {
    const files = [...yamlFilesUnder('task'), ...yamlFilesUnder('catalog/task')];
    let steps = 0;
    for (const file of files) {
      for (const doc of documents(file)) {
        expect(stepProblems(doc), file).toEqual([]);
        steps += JSON.stringify(doc).split('"image":').length - 1;
      }
    }
    // The Task (twice: task/ and catalog/) and the test pipeline's build step (twice) at least.
    expect(steps).toBeGreaterThanOrEqual(4);
  });

  test('the checks catch what catlin catches', () => {
    const bad = structuredClone(task) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { description?: string; steps: Json[] };
    };
    delete bad.metadata.labels['app.kubernetes.io/version'];
    bad.metadata.annotations['tekton.dev/categories'] = 'Security, Signing';
    bad.metadata.annotations['tekton.dev/platforms'] = 'amd64';
    delete bad.spec.description;
    bad.spec.steps = [
      { name: 'a', image: `ghcr.io/x/y:latest@sha256:${'a'.repeat(64)}` },
      { name: 'b', image: 'alpine:3.20' },
      { name: 'c', image: `ghcr.io/x/y:1@sha256:${'b'.repeat(64)}`, script: 'echo $(params.format)' },
      {
        name: 'd',
        image: `ghcr.io/x/y:1@sha256:${'c'.repeat(64)}`,
        env: [{ name: 'KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
      },
    ];
    const metadata = catalogMetadataProblems(
      bad as unknown as Json,
      'catalog/task/tekton-attest/9.9/tekton-attest.yaml',
    );
    expect(metadata).toEqual(
      expect.arrayContaining([
        'missing label app.kubernetes.io/version',
        'category "Signing" is not a hub category',
        'platform amd64 is not OS/ARCH',
        'no spec.description',
        expect.stringContaining('does not end with task/tekton-attest/undefined/tekton-attest.yaml'),
      ]),
    );
    const steps = stepProblems(bad as unknown as Json);
    expect(steps).toEqual(
      expect.arrayContaining([
        expect.stringContaining('step a: image ghcr.io/x/y:latest@sha256'),
        expect.stringContaining('step b: image alpine:3.20 is not fully qualified'),
        expect.stringContaining('step b: image alpine:3.20 is not pinned by digest'),
        'Task tekton-attest step c: script interpolates a param',
        'Task tekton-attest step d: env KEY comes from a Secret',
      ]),
    );
    expect(steps.some((p) => p.includes('tagged latest'))).toBe(true);
  });
});
