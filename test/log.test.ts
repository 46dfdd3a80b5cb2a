// What reaches stderr or the terminal: values chosen by a run or a registry cannot forge lines or drive the
// terminal, and masking a secret never tells a value's writer whether it guessed the secret.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPayload } from '../src/commands/payload.js';
import { parseFormatOptions } from '../src/config/format.js';
import { escapeControls, log, maskSecrets, redact, setLogSink } from '../src/log.js';
import { formatSummary } from '../src/report/summary.js';
import type { ResultValue } from '../src/tekton/types.js';
import { DIGEST_A, pipelineRun, task, taskRun } from './tekton/make-run.js';

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  setLogSink((line) => lines.push(line));
});
afterEach(() => setLogSink((line) => process.stderr.write(`${line}\n`)));

const ESC = '\u001b';

describe('log and terminal injection', () => {
  it('a newline in a value cannot forge an error: line', () => {
    const resultName = 'IMAGES\nerror: signing key rejected, attestation NOT stored';
    log.warn(`skipping result ${resultName}: it must be a string`);
    log.info(`collected PipelineRun ci/x\nerror: forged`);
    expect(lines[0]).toBe('warning: skipping result IMAGES');
    expect(lines.filter((line) => line.startsWith('error:'))).toEqual([]);
    expect(lines).toContain('  error: forged');
  });

  it('ANSI escapes, carriage returns, C1 and bidirectional controls are written as escapes', () => {
    log.warn(`name ${ESC}[2J${ESC}]0;pwned\u0007 \rok \u009b31m \u202etxt.exe \u0000`);
    expect(lines).toEqual(['warning: name \\x1b[2J\\x1b]0;pwned\\x07 \\rok \\x9b31m \\u{202e}txt.exe \\x00']);
    expect(escapeControls('a\nb\tc')).toBe('a\\nb\\tc');
  });

  it('summary rows: a run or backend value cannot add a row or a line', () => {
    const summary = formatSummary({
      run: `ci/build${ESC}[31m`,
      apiVersion: 'v1',
      tasks: ['build\nBACKEND  STATUS'],
      excluded: undefined,
      unfinished: [],
      subjects: [],
      format: 'slsa/v1',
      signer: 'key',
      digest: DIGEST_A,
      transparency: undefined,
      foreignStatus: [],
      outcomes: [{ backend: 'oci', ok: false, locations: [], detail: 'HTTP 500\noci  OK  forged' } as never],
    });
    log.print(summary);
    expect(lines.join('\n')).not.toContain(ESC);
    expect(lines.filter((line) => /^oci\s+OK/.test(line))).toEqual([]);
    expect(lines.find((line) => line.startsWith('oci'))).toBe('oci      FAILED  HTTP 500\\noci  OK  forged');
  });
});

describe('redaction is not an oracle', () => {
  const password = 'hunter2-correct-horse';

  it('masks whole-token occurrences only, with one fixed mask', () => {
    redact(password);
    expect(maskSecrets(`password=${password} "${password}"`)).toBe('password=[REDACTED] "[REDACTED]"');
    expect(maskSecrets(`x${password}y ${password}s`)).toBe(`x${password}y ${password}s`);
  });

  /** The warnings `payload` logs for a TaskRun whose results are `values` (as a build step writes them). */
  async function warningsFor(dir: string, values: string[]): Promise<string[]> {
    const results: ResultValue[] = [
      { name: 'IMAGES', value: values.join(',') },
      { name: 'IMAGE_URL', value: values[0] ?? '' },
      { name: 'IMAGE_DIGEST', value: `sha256:${values[1]}` },
      { name: 'app-ARTIFACT_URI', value: values[2] ?? '' },
      { name: 'app-ARTIFACT_DIGEST', value: `${values[0]}:${values[1]}` },
      {
        name: 'lib-ARTIFACT_OUTPUTS',
        type: 'object',
        value: { uri: values[1] ?? '', digest: values[2] ?? '' },
      },
    ];
    const build = taskRun('build-pr-build', 'build', { results });
    const run = pipelineRun({
      tasks: [task('build')],
      statusResults: results,
      completionTime: '2026-01-02T10:09:00Z',
    });
    await writeFile(join(dir, 'pr.json'), JSON.stringify(run));
    await writeFile(join(dir, 'tr.json'), JSON.stringify(build));
    lines = [];
    await buildPayload({ pipelineRun: join(dir, 'pr.json'), taskRuns: [join(dir, 'tr.json')] }, [], {
      ...parseFormatOptions({ format: 'slsa/v2alpha4' }),
    });
    return [...lines];
  }

  it('a result holding the key password, a prefix of it, or a wrong guess logs the same lines', async () => {
    redact(password);
    const dir = await mkdtemp(join(tmpdir(), 'oracle-'));
    const right = await warningsFor(dir, [password, password.slice(0, 7), `x ${password} y`]);
    const wrong = await warningsFor(dir, ['hunter2-correct-horsf', 'hunter3', 'x hunter2-correct-horsf y']);
    expect(right.length).toBeGreaterThan(0);
    expect(right).toEqual(wrong);
    expect(right.join('\n')).not.toContain('hunter');
    expect(right.join('\n')).not.toContain('[REDACTED]');
  });
});
