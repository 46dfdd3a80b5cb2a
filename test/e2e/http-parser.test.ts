// undici's HTTP/1 parser (llhttp, WebAssembly) stays on V8's baseline compiler in the built CLI: its TurboFan
// recompilation cost each run ~75 ms of CPU and 9-17 MB of peak memory (scripts/build/undici-llhttp.cjs,
// docs/benchmark.md). V8 itself reports which compiler built each wasm function (--trace-wasm-compilation-times).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeKube } from '../harness/fake-kube.js';
import { runCli } from '../harness/run-built-cli.js';
import { buildAndNotify, targetArgs } from '../harness/scenario.js';
import { repoRoot } from '../peers/versions.js';

let fake: FakeKube | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("undici's HTTP parser in the built CLI", () => {
  it('is compiled by Liftoff only, over a whole attest with TaskRun-level annotations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'http-parser-'));
    const key = join(dir, 'x509.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(key, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const scenario = buildAndNotify();
    fake = await FakeKube.start();
    for (const object of [scenario.pipelineRun, ...scenario.taskRuns]) fake.add(object);
    const result = await runCli(
      [
        'attest',
        ...targetArgs(scenario, await fake.writeKubeconfig(dir)),
        '--key',
        key,
        '--storage',
        'tekton',
        '--sign-images=false',
      ],
      {
        env: { HOME: dir, KUBERNETES_SERVICE_HOST: undefined },
        nodeFlags: ['--trace-wasm-compilation-times'],
      },
    );
    expect(result.code, result.stderr).toBe(0);
    // The parser ran (V8 compiles wasm functions on first call) ...
    expect(result.stdout).toMatch(/Compiled function \S+ using Liftoff/);
    // ... and was never recompiled.
    expect(result.stdout).not.toMatch(/using TurboFan/);
  });

  it('sets V8 flags back as they were: the compile caches stay valid', () => {
    const before = v8.cachedDataVersionTag();
    const { llhttpOnBaseline } = createRequire(import.meta.url)(
      join(repoRoot, 'scripts/build/undici-llhttp.cjs'),
    ) as { llhttpOnBaseline: WebAssembly.Module[] };
    expect(llhttpOnBaseline.length).toBeGreaterThan(0);
    expect(v8.cachedDataVersionTag()).toBe(before);
  });
});
