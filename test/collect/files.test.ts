import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadRunFiles } from '../../src/collect/files.js';
import { AttestError } from '../../src/errors.js';
import { setLogSink } from '../../src/log.js';
import { pipelineRun, task, taskRun } from '../tekton/make-run.js';

let dir: string;
const run = pipelineRun({ tasks: [task('clone'), task('build')], completionTime: '2026-01-02T10:05:00Z' });
const clone = taskRun('build-pr-clone', 'clone');
const build = taskRun('build-pr-build', 'build');

async function write(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function loadError(pipelineRunFile: string, taskRuns: string[]): Promise<AttestError> {
  const error = await loadRunFiles({ pipelineRun: pipelineRunFile, taskRuns }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AttestError);
  return error as AttestError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'load-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadRunFiles', () => {
  it('reads a YAML PipelineRun and TaskRuns from a List, a multi-document YAML file and a directory', async () => {
    const prFile = await write('pr.yaml', stringify(run));
    const list = await write('list.json', { apiVersion: 'v1', kind: 'List', items: [clone] });
    await mkdir(join(dir, 'more'));
    await write('more/b.yaml', `${stringify(build)}---\n`);
    await write('more/notes.txt', 'ignored: not a data file');
    const loaded = await loadRunFiles({ pipelineRun: prFile, taskRuns: [list, join(dir, 'more')] });
    expect(loaded.pipelineRun.metadata.name).toBe('build-pr');
    expect(loaded.taskRuns.map((r) => r.metadata.name)).toEqual(['build-pr-clone', 'build-pr-build']);
    expect(loaded.sources.get('TaskRun/build-pr-build')).toBe(join(dir, 'more', 'b.yaml'));
  });

  it('accepts one file holding the PipelineRun and its TaskRuns (kubectl get pr,tr -o json)', async () => {
    const all = await write('all.json', { kind: 'List', items: [run, clone, build] });
    const loaded = await loadRunFiles({ pipelineRun: all, taskRuns: [all] });
    expect(loaded.taskRuns).toHaveLength(2);
  });

  it('normalizes tekton.dev/v1beta1 objects to v1 field names', async () => {
    const legacyRun = {
      apiVersion: 'tekton.dev/v1beta1',
      kind: 'PipelineRun',
      metadata: { name: 'old', uid: 'u1' },
      spec: {
        pipelineRef: { name: 'p' },
        serviceAccountName: 'sa',
        podTemplate: { nodeSelector: { a: 'b' } },
        timeout: '1h0m0s',
        taskRunSpecs: [{ pipelineTaskName: 'build', taskServiceAccountName: 'builder', taskPodTemplate: {} }],
      },
      status: {
        pipelineResults: [{ name: 'IMAGE_URL', value: 'x' }],
        taskRuns: { 'old-build': { pipelineTaskName: 'build' } },
      },
    };
    const legacyTaskRun = {
      apiVersion: 'tekton.dev/v1beta1',
      kind: 'TaskRun',
      metadata: {
        name: 'old-build',
        labels: { 'tekton.dev/pipelineTask': 'build', 'tekton.dev/pipelineRun': 'old' },
      },
      spec: {},
      status: {
        taskResults: [{ name: 'IMAGE_DIGEST', value: 'sha256:x' }],
        provenance: { configSource: { uri: 'git+https://git.example/t', digest: { sha1: 'abc' } } },
      },
    };
    const loaded = await loadRunFiles({
      pipelineRun: await write('old.json', legacyRun),
      taskRuns: [await write('old-tr.yaml', stringify(legacyTaskRun))],
    });
    expect(loaded.pipelineRun.apiVersion).toBe('tekton.dev/v1');
    expect(loaded.pipelineRun.spec).toEqual({
      pipelineRef: { name: 'p' },
      taskRunTemplate: { serviceAccountName: 'sa', podTemplate: { nodeSelector: { a: 'b' } } },
      timeouts: { pipeline: '1h0m0s' },
      taskRunSpecs: [{ pipelineTaskName: 'build', serviceAccountName: 'builder', podTemplate: {} }],
    });
    expect(loaded.pipelineRun.status?.results).toEqual([{ name: 'IMAGE_URL', value: 'x' }]);
    expect(loaded.pipelineRun.status).not.toHaveProperty('taskRuns');
    expect(loaded.taskRuns[0]?.status?.results).toEqual([{ name: 'IMAGE_DIGEST', value: 'sha256:x' }]);
    expect(loaded.taskRuns[0]?.status).not.toHaveProperty('taskResults');
    // Tekton's ConvertTo copies refSource only: the Pipelines 0.41-0.44 configSource does not reach Chains.
    expect(loaded.taskRuns[0]?.status?.provenance).toEqual({});
  });

  it('keeps v1 objects as they are: v1beta1-only fields of a v1 object are ignored, as Chains ignores them', async () => {
    const v1WithLegacyField = {
      ...clone,
      status: { ...clone.status, taskResults: [{ name: 'x', value: 'y' }] },
    };
    const loaded = await loadRunFiles({
      pipelineRun: await write('v1.json', run),
      taskRuns: [await write('v1-tr.json', v1WithLegacyField)],
    });
    expect(loaded.taskRuns[0]?.status?.results).toEqual([]);
  });

  it('rejects an object that is not a PipelineRun or TaskRun, naming the file and the item', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
    const list = await write('mixed.json', { kind: 'List', items: [clone, pod] });
    const error = await loadError(await write('pr.json', run), [list]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe(`${list}: items[1]: kind is Pod (v1), not a TaskRun`);
    const task = await write(
      'task.yaml',
      stringify({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: {} }),
    );
    expect((await loadError(task, [])).message).toBe(
      `${task}: kind is Task (tekton.dev/v1), not a PipelineRun`,
    );
  });

  it('rejects TaskRuns of another PipelineRun (by label or owner)', async () => {
    const foreign = taskRun('other-pr-build', 'build', { pipelineRun: 'other-pr' });
    const file = await write('foreign.json', foreign);
    const error = await loadError(await write('pr.json', run), [file]);
    expect(error.message).toContain(`${file}: other-pr-build belongs to another PipelineRun`);
    expect(error.message).toContain('tekton.dev/pipelineRun=other-pr');
    const owned = structuredClone(clone);
    delete owned.metadata.labels?.['tekton.dev/pipelineRun'];
    owned.metadata.ownerReferences = [
      { kind: 'PipelineRun', name: 'build-pr', uid: 'uid-elsewhere', controller: true },
    ];
    const ownedError = await loadError(await write('pr.json', run), [await write('owned.json', owned)]);
    expect(ownedError.message).toContain('ownerReference uid uid-elsewhere');
    const another = await write('another-pr.json', pipelineRun({ name: 'second', tasks: [] }));
    expect((await loadError(await write('pr.json', run), [another])).message).toContain(
      'is another PipelineRun',
    );
  });

  it('skips, with one warning, the TaskRun of an earlier PipelineRun of the same name (as attest does)', async () => {
    const stale = taskRun('build-pr-build-old', 'build');
    stale.metadata.labels = {
      ...stale.metadata.labels,
      'tekton.dev/pipelineRunUID': 'uid-of-the-earlier-run',
    };
    stale.metadata.ownerReferences = [
      { kind: 'PipelineRun', name: 'build-pr', uid: 'uid-of-the-earlier-run', controller: true },
    ];
    const list = await write('same-name.json', { kind: 'List', items: [clone, stale, build] });
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    try {
      const loaded = await loadRunFiles({ pipelineRun: await write('pr.json', run), taskRuns: [list] });
      expect(loaded.taskRuns.map((r) => r.metadata.name)).toEqual(['build-pr-clone', 'build-pr-build']);
    } finally {
      setLogSink((line) => process.stderr.write(`${line}\n`));
    }
    expect(lines).toEqual([
      `warning: ${list}: items[1]: ignoring TaskRun build-pr-build-old: it belongs to an earlier PipelineRun also named build-pr`,
    ]);
  });

  it('reports invalid YAML and JSON with the file and position', async () => {
    const yamlFile = await write('bad.yaml', 'kind: TaskRun\nmetadata: [unclosed\n  name: x\n');
    expect((await loadError(yamlFile, [])).message).toMatch(
      new RegExp(`^${yamlFile}: invalid YAML: .*line \\d+`),
    );
    const jsonFile = await write('bad.json', '{"kind": "PipelineRun",}');
    expect((await loadError(jsonFile, [])).message).toMatch(
      new RegExp(`^${jsonFile}: invalid JSON: .*position`),
    );
  });

  it('names the field whose shape is wrong', async () => {
    const broken = structuredClone(build) as unknown as { status: { results: unknown } };
    broken.status.results = { IMAGE_URL: 'x' };
    const file = await write('broken.json', broken);
    expect((await loadError(await write('pr.json', run), [file])).message).toBe(
      `${file}: TaskRun field status.results must be a list`,
    );
    const badValue = structuredClone(run) as unknown as { spec: { params: unknown } };
    badValue.spec.params = [{ name: 'n', value: 42 }];
    const prFile = await write('bad-param.json', badValue);
    expect((await loadError(prFile, [])).message).toBe(
      `${prFile}: PipelineRun field spec.params [0] (n).value must be a string, a list of strings or a mapping of strings`,
    );
  });

  it('refuses a startTime or completionTime that is not an RFC 3339 time, as Chains fails to decode it', async () => {
    const badStart = structuredClone(build);
    (badStart.status as { startTime: string }).startTime = 'not-a-date';
    const file = await write('bad-start.json', badStart);
    const error = await loadError(await write('pr.json', run), [file]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe(
      `${file}: TaskRun field status.startTime must be an RFC 3339 time (2026-01-02T10:00:00Z), not "not-a-date"`,
    );
    for (const bad of [
      '2026-13-02T10:00:00Z',
      '2026-02-30T10:00:00Z',
      '2026-01-02 10:00:00Z',
      '2026-01-02T10:00:00',
    ]) {
      const badEnd = structuredClone(run);
      (badEnd.status as { completionTime: string }).completionTime = bad;
      const prFile = await write('bad-end.json', badEnd);
      expect((await loadError(prFile, [])).message, bad).toContain(
        'PipelineRun field status.completionTime must be',
      );
    }
    for (const good of ['2026-01-02T10:00:00.123456Z', '2024-02-29T23:59:59+05:30', '0001-01-01T00:00:00Z']) {
      const fine = structuredClone(run);
      (fine.status as { completionTime: string }).completionTime = good;
      await expect(
        loadRunFiles({ pipelineRun: await write('good.json', fine), taskRuns: [] }),
      ).resolves.toBeDefined();
    }
  });

  it('fails clearly for a missing file and for a file without a PipelineRun', async () => {
    const missing = join(dir, 'nope.yaml');
    expect((await loadError(missing, [])).message).toBe(`cannot read ${missing}: ENOENT`);
    const onlyTaskRuns = await write('only-tr.json', { kind: 'TaskRunList', items: [{ ...clone }] });
    // A TaskRunList holds TaskRuns; there is no PipelineRun in it.
    const error = await loadError(onlyTaskRuns, []);
    expect(error.message).toContain('expected exactly one PipelineRun, found 0');
  });
});
