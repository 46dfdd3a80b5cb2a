// `tekton-attest payload` as users run it: the built bundle (dist/cli.js) as a child process.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FIXTURES_DIR } from '../harness/fixtures.js';
import { runCli } from '../harness/run-built-cli.js';
import { DIGEST_A, pipelineRun, task, taskRun } from '../tekton/make-run.js';

const RAW = join(FIXTURES_DIR, 'chains/raw/pkg/chains/formats/slsa/testdata');
const CASES = join(FIXTURES_DIR, 'chains/cases');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'payload-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('tekton-attest payload', () => {
  it("prints Chains' statement for Chains' own fixture files (slsa/v2alpha4, deep inspection)", async () => {
    const result = await runCli([
      'payload',
      '--pipelinerun',
      `${RAW}/slsa-v2alpha4/pipelinerun1.json`,
      '--taskruns',
      `${RAW}/slsa-v2alpha4/taskrun1.json`,
      `${RAW}/slsa-v2alpha4/taskrun2.json`,
      '--format',
      'slsa/v2alpha4',
      '--builder-id',
      'test_builder-1',
      '--deep-inspection',
    ]);
    expect(result.code).toBe(0);
    const expected = JSON.parse(
      await readFile(`${CASES}/slsa-v2alpha4-with-deepinspection/expected.json`, 'utf8'),
    );
    expect(JSON.parse(result.stdout)).toStrictEqual(expected);
    expect(result.stderr).toContain('PipelineRun pipelinerun-build: 5 subject(s)');
  });

  it('writes the exact statement bytes to --output (compact JSON, no trailing newline)', async () => {
    const output = join(dir, 'statement.json');
    const result = await runCli([
      'payload',
      '--pipelinerun',
      `${RAW}/pipeline-v1/pipelinerun1.json`,
      '--taskruns',
      `${RAW}/pipeline-v1/taskrun1.json`,
      `${RAW}/pipeline-v1/taskrun2.json`,
      '--format',
      'in-toto',
      '--output',
      output,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const bytes = await readFile(output, 'utf8');
    expect(bytes.endsWith('}')).toBe(true);
    const statement = JSON.parse(bytes);
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v0.2');
    expect(statement.predicate.builder.id).toBe('https://tekton.dev/chains/v2');
    expect(JSON.stringify(statement)).toBe(bytes);
  });

  it('attests a finally-time run from v1beta1 YAML, excluding the attesting TaskRun', async () => {
    const run = pipelineRun({
      tasks: [task('build')],
      finally: [task('attest')],
      results: [
        { name: 'IMAGE_URL', value: '$(tasks.build.results.IMAGE_URL)' },
        { name: 'IMAGE_DIGEST', value: '$(tasks.build.results.IMAGE_DIGEST)' },
      ],
    });
    const build = taskRun('build-pr-build', 'build', {
      completionTime: '2026-01-02T10:03:00Z',
      results: [
        { name: 'IMAGE_URL', value: 'registry.example/app' },
        { name: 'IMAGE_DIGEST', value: DIGEST_A },
      ],
    });
    const attest = taskRun('build-pr-attest', 'attest', { succeeded: 'Unknown', completionTime: null });
    const legacy = (object: object) => ({ ...object, apiVersion: 'tekton.dev/v1beta1' });
    const prFile = await write('finally-pr.yaml', stringify(legacy(run)));
    await mkdir(join(dir, 'finally-trs'));
    await write('finally-trs/build.yaml', stringify(legacy(build)));
    await write('finally-trs/attest.yaml', stringify(legacy(attest)));
    const result = await runCli([
      'payload',
      '--pipelinerun',
      prFile,
      '--taskruns',
      join(dir, 'finally-trs'),
      '--exclude-taskrun',
      'build-pr-attest',
      '--format',
      'slsa/v1',
    ]);
    expect(result.code).toBe(0);
    const statement = JSON.parse(result.stdout);
    expect(statement.subject).toEqual([{ name: 'registry.example/app', digest: { sha256: 'a'.repeat(64) } }]);
    expect(statement.predicate.metadata.buildFinishedOn).toBe('2026-01-02T10:03:00Z');
    expect(statement.predicate.buildConfig.tasks.map((t: { name: string }) => t.name)).toEqual(['build']);
    expect(result.stderr).not.toContain('not finished');
  });

  it('skips an invalid digest with a warning naming the file and the result, not the value', async () => {
    const run = pipelineRun({
      tasks: [task('build')],
      completionTime: '2026-01-02T10:05:00Z',
      statusResults: [
        { name: 'IMAGE_URL', value: 'registry.example/app' },
        { name: 'IMAGE_DIGEST', value: 'sha256:deadbeef' },
      ],
    });
    const prFile = await write('bad-digest-pr.json', run);
    const trFile = await write('bad-digest-tr.json', taskRun('build-pr-build', 'build'));
    const result = await runCli(['payload', '--pipelinerun', prFile, '--taskruns', trFile]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning: ${prFile}: PipelineRun build-pr: skipping image from results`);
    expect(result.stderr).toContain('IMAGE_URL + IMAGE_DIGEST: it is not an image reference');
    expect(result.stderr).not.toContain('deadbeef');
    expect(JSON.parse(result.stdout).subject).toBeUndefined();
    expect(result.stderr).toContain('0 subject(s) (no subjects');
  });

  it('exits 2 naming the file and what is wrong for unusable input, and writes nothing', async () => {
    const prFile = await write(
      'good-pr.json',
      pipelineRun({ tasks: [task('build')], completionTime: '2026-01-02T10:05:00Z' }),
    );
    const output = join(dir, 'never.json');
    const pod = await write(
      'pod.yaml',
      stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }),
    );
    const foreign = await write('foreign.json', taskRun('x-build', 'build', { pipelineRun: 'another-run' }));
    const badYaml = await write('bad.yaml', 'kind: TaskRun\nspec: {unclosed\n');
    const cases: [string[], string][] = [
      [['--taskruns', pod], `${pod}: kind is Pod (v1), not a TaskRun`],
      [['--taskruns', foreign], `${foreign}: x-build belongs to another PipelineRun`],
      [['--taskruns', badYaml], `${badYaml}: invalid YAML`],
      [['--format', 'slsa/v9'], 'Invalid values'],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['payload', '--pipelinerun', prFile, '--output', output, ...args]);
      expect(result.code, message).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(output)).toBe(false);
    const missing = await runCli(['payload']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--pipelinerun');
  });

  it('exits 2 naming the file for a YAML alias bomb, values nested thousands deep and a subdirectory of --taskruns', async () => {
    const prFile = await write(
      'plain-pr.json',
      pipelineRun({ tasks: [task('build')], completionTime: '2026-01-02T10:05:00Z' }),
    );
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + i);
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const bomb = await write('bomb.yaml', `kind: TaskRun\n${laughs.join('\n')}\n`);
    // Written as text: JSON.stringify itself overflows the stack on such a value.
    const deepValue = `${'['.repeat(20_000)}"x"${']'.repeat(20_000)}`;
    const deep = await write(
      'deep.json',
      JSON.stringify({ ...taskRun('build-pr-build', 'build'), extra: 'EXTRA' }).replace('"EXTRA"', deepValue),
    );
    const nested = join(dir, 'nested');
    await mkdir(join(nested, 'more'), { recursive: true });
    await write('nested/build.json', taskRun('build-pr-build', 'build'));
    const cases: [string, string][] = [
      [bomb, `${bomb}: unusable YAML`],
      [deep, `${deep}: TaskRun is nested more than 100 levels deep (at extra[0][0]`],
      [nested, `${join(nested, 'more')}: is a directory`],
    ];
    for (const [taskRuns, message] of cases) {
      const result = await runCli(['payload', '--pipelinerun', prFile, '--taskruns', taskRuns]);
      expect(result.stderr).toContain(message);
      expect(result.code, message).toBe(2);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('without --exclude-taskrun counts only the TaskRuns it attested, naming the unfinished one', async () => {
    const prFile = await write(
      'self-pr.json',
      pipelineRun({ tasks: [task('build')], finally: [task('attest')] }),
    );
    const trFile = await write('self-trs.json', {
      kind: 'List',
      items: [
        taskRun('build-pr-build', 'build'),
        taskRun('build-pr-attest', 'attest', { succeeded: 'Unknown', completionTime: null }),
      ],
    });
    const result = await runCli(['payload', '--pipelinerun', prFile, '--taskruns', trFile]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('1 run(s) attested (not finished, left out: build-pr-attest)');
    const excluded = await runCli([
      'payload',
      '--pipelinerun',
      prFile,
      '--taskruns',
      trFile,
      '--exclude-taskrun',
      'build-pr-attest',
    ]);
    expect(excluded.stderr).toMatch(/1 run\(s\) attested\n/);
  });
});
