// Names a run chooses (`__proto__`, `constructor`, `prototype` are valid Tekton param names and object
// result keys, and Chains keeps them) must come out of `payload` as ordinary keys.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPayload } from '../../src/commands/payload.js';
import { parseFormatOptions } from '../../src/config/format.js';
import { pipelineRun, task, taskRun } from '../tekton/make-run.js';

const HOSTILE_NAMES = ['__proto__', 'constructor', 'prototype'];

/** Objects with these names as own keys, as the API or a file delivers them (JSON.parse keeps them). */
function withHostileNames<T>(object: T): T {
  const params = HOSTILE_NAMES.map((name) => ({ name, value: `${name}-value` }));
  const keyed = `{${HOSTILE_NAMES.map((name) => `"${name}": "${name}-key"`).join(',')}}`;
  const json = JSON.stringify(object)
    .replace('"params":[]', `"params":${JSON.stringify(params)}`)
    .replace('"KEYED"', keyed);
  return JSON.parse(json) as T;
}

async function payloadOf(format: 'slsa/v1' | 'slsa/v2alpha4') {
  const dir = await mkdtemp(join(tmpdir(), 'run-keys-'));
  const run = pipelineRun({
    tasks: [task('build')],
    results: [
      { name: 'keyed', type: 'object', value: '$(tasks.build.results.keyed[*])' },
      { name: 'inherited', value: '$(tasks.build.results.plain.constructor)' },
    ],
  });
  const build = taskRun('build-pr-build', 'build', {
    results: [
      { name: 'keyed', type: 'object', value: 'KEYED' as never },
      { name: 'plain', type: 'object', value: { a: 'b' } },
    ],
  });
  await writeFile(join(dir, 'pr.json'), JSON.stringify(withHostileNames(run)));
  await writeFile(join(dir, 'tr.json'), JSON.stringify(withHostileNames(build)));
  const files = { pipelineRun: join(dir, 'pr.json'), taskRuns: [join(dir, 'tr.json')] };
  const { statement, bytes, snapshot } = await buildPayload(files, [], parseFormatOptions({ format }));
  return { statement, json: JSON.parse(new TextDecoder().decode(bytes)), snapshot };
}

describe('__proto__, constructor and prototype as names from the run', () => {
  it('are kept in SLSA v0.2 invocation.parameters of the run and of each task', async () => {
    const { json } = await payloadOf('slsa/v1');
    const expected = Object.fromEntries(HOSTILE_NAMES.map((name) => [name, `${name}-value`]));
    const pipelineParameters = json.predicate.invocation.parameters;
    expect(Object.keys(pipelineParameters)).toEqual(expect.arrayContaining(HOSTILE_NAMES));
    for (const name of HOSTILE_NAMES) expect(pipelineParameters[name]).toBe(`${name}-value`);
    const taskParameters = json.predicate.buildConfig.tasks[0].invocation.parameters;
    expect(
      Object.fromEntries(Object.entries(taskParameters).filter(([k]) => HOSTILE_NAMES.includes(k))),
    ).toEqual(expected);
  });

  it('are kept as object result keys in byproducts, and an inherited key is not a value', async () => {
    const { json, snapshot } = await payloadOf('slsa/v2alpha4');
    // `plain` has no key "constructor": Tekton cannot resolve the reference, so the result is left out.
    expect(snapshot.pipelineResults.map((r) => r.name)).toEqual(['keyed']);
    const byproduct = json.predicate.runDetails.byproducts.find((b: { name: string }) =>
      b.name.endsWith('/keyed'),
    );
    const content = JSON.parse(Buffer.from(byproduct.content, 'base64').toString('utf8'));
    expect(Object.entries(content)).toEqual(HOSTILE_NAMES.sort().map((name) => [name, `${name}-key`]));
  });
});
