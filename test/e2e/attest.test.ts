// `tekton-attest attest` end to end: the BUILT CLI (dist/cli.js) as a child process against the fake
// Kubernetes API, as the finally task runs it. Run `npm run build` first (npm test does).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encryptCosignKey } from '../../src/signing/cosign-key.js';
import { checkDsseEnvelope } from '../harness/cosign-checker.js';
import { FakeKube, type FakeKubeOptions, type KubeObject } from '../harness/fake-kube.js';
import { type CliResult, runCli } from '../harness/run-built-cli.js';
import {
  buildAndNotify,
  buildScenario,
  IMAGE,
  IMAGE_DIGEST,
  type Scenario,
  targetArgs,
} from '../harness/scenario.js';

let fake: FakeKube;
let dir: string;
let keyFile: string;
let publicKeyPem: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attest-cli-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  keyFile = join(dir, 'x509.pem');
  await writeFile(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
});

afterEach(async () => {
  await fake?.close();
});

async function serve(scenario: Scenario, options: FakeKubeOptions = {}): Promise<void> {
  fake = await FakeKube.start(options);
  for (const object of [scenario.pipelineRun, ...scenario.taskRuns, ...scenario.customRuns]) fake.add(object);
}

/** A clean environment: no in-cluster variables, no TEKTON_ATTEST_* from the parent. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    HOME: dir,
    KUBERNETES_SERVICE_HOST: undefined,
    KUBECONFIG: undefined,
  };
  for (const key of Object.keys(process.env)) if (key.startsWith('TEKTON_ATTEST_')) env[key] = undefined;
  return { ...env, ...extra };
}

/**
 * The scenario's images are in no registry: image signatures (on by default, written whatever --storage
 * says) are turned off unless `imageSignatures`; attest-oci.test.ts writes them to a real registry.
 */
async function attest(
  scenario: Scenario,
  extra: string[] = [],
  storage = 'tekton,file',
  imageSignatures = false,
): Promise<CliResult> {
  const kubeconfig = await fake.writeKubeconfig(dir);
  const result = await runCli(
    [
      'attest',
      ...targetArgs(scenario, kubeconfig),
      '--key',
      keyFile,
      '--storage',
      storage,
      ...(imageSignatures ? [] : ['--sign-images=false']),
      '--output-dir',
      join(dir, 'out'),
      '--results-dir',
      join(dir, 'results'),
      '--wait-timeout',
      '30s',
      ...extra,
    ],
    { env: cleanEnv() },
  );
  // Never print the service-account token, whatever happened.
  expect(result.stdout + result.stderr).not.toContain(fake.token);
  return result;
}

function annotations(scenario: Scenario): Record<string, string> {
  return (fake.object('pipelineruns', scenario.namespace, scenario.name)!.metadata.annotations ??
    {}) as Record<string, string>;
}

const key = (kind: string, scenario: Scenario) => `chains.tekton.dev/${kind}-pipelinerun-${scenario.uid}`;

/** Checks the stored envelope the way a verifier does: DSSE PAE, ECDSA over sha256, with the public key. */
function verifiedStatement(envelopeJson: string): KubeObject {
  const { verified, payloadType, payload } = checkDsseEnvelope(envelopeJson, publicKeyPem);
  expect(verified).toBe(true);
  expect(payloadType).toBe('application/vnd.in-toto+json');
  return JSON.parse(payload.toString('utf8')) as KubeObject;
}

async function listFiles(path: string): Promise<string[]> {
  return existsSync(path) ? (await readdir(path)).sort() : [];
}

describe('attest: a finally-time run', () => {
  it('waits for a sibling, attests, stores Chains annotations and files, writes results and a summary', async () => {
    const scenario = buildAndNotify({ notify: 'running' });
    await serve(scenario);
    const notify = `${scenario.name}-notify`;
    // notify finishes just before the first re-read of the run (the wait's first poll).
    let gets = 0;
    fake.onRequest((request) => {
      if (request.verb === 'get' && request.resource === 'pipelineruns' && ++gets === 2) {
        fake.update('taskruns', 'ci', notify, (run) => {
          run.status.conditions = [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }];
          run.status.completionTime = '2024-05-01T10:09:00Z';
        });
      }
    });
    const result = await attest(scenario, ['--format', 'slsa/v1']);
    expect(result.stderr).toContain('waiting for 1 of 3 TaskRuns: notify');
    expect(result.code).toBe(0);

    // Chains' tekton storage: base64 statement, base64 envelope, empty cert/chain, nothing else by default.
    const stored = annotations(scenario);
    expect(Object.keys(stored).sort()).toEqual(
      [
        key('cert', scenario),
        key('chain', scenario),
        key('payload', scenario),
        key('signature', scenario),
      ].sort(),
    );
    expect(stored[key('cert', scenario)]).toBe('');
    expect(stored[key('chain', scenario)]).toBe('');
    const envelopeJson = Buffer.from(stored[key('signature', scenario)]!, 'base64').toString('utf8');
    const statement = verifiedStatement(envelopeJson);
    expect(Buffer.from(stored[key('payload', scenario)]!, 'base64').toString('utf8')).toBe(
      JSON.stringify(statement),
    );
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v0.2');
    expect(statement.subject).toEqual([
      { name: IMAGE, digest: { sha256: IMAGE_DIGEST.slice('sha256:'.length) } },
    ]);
    // Self excluded, the sibling that finished during the wait included, finish time = its completion.
    const tasks = (statement.predicate.buildConfig.tasks as { name: string }[]).map((t) => t.name);
    expect(tasks).toEqual(['clone', 'build', 'notify']);
    expect(JSON.stringify(statement)).not.toContain(scenario.attestTaskRun);
    expect(statement.predicate.metadata.buildFinishedOn).toBe('2024-05-01T10:09:00Z');

    // One JSON merge patch, guarded by the resourceVersion that was read.
    const patches = fake.requestsFor({ verb: 'patch', resource: 'pipelineruns' });
    expect(patches).toHaveLength(1);
    expect(patches[0]!.contentType).toBe('application/merge-patch+json');
    expect(JSON.parse(patches[0]!.body!).metadata.resourceVersion).toMatch(/^\d+$/);

    // file storage and Task results.
    const out = join(dir, 'out');
    expect(await listFiles(out)).toEqual([
      `${scenario.name}.envelope.json`,
      `${scenario.name}.statement.json`,
    ]);
    const fileEnvelope = await readFile(join(out, `${scenario.name}.envelope.json`), 'utf8');
    expect(fileEnvelope).toBe(envelopeJson);
    const results = join(dir, 'results');
    expect(await listFiles(results)).toEqual(['ATTESTATION_DIGEST', 'FOREIGN_STATUS', 'STORAGE', 'SUBJECTS']);
    expect(await readFile(join(results, 'FOREIGN_STATUS'), 'utf8')).toBe('[]');
    expect(await readFile(join(results, 'ATTESTATION_DIGEST'), 'utf8')).toBe(
      `sha256:${createHash('sha256').update(envelopeJson).digest('hex')}`,
    );
    expect(JSON.parse(await readFile(join(results, 'SUBJECTS'), 'utf8'))).toEqual(statement.subject);
    const storage = JSON.parse(await readFile(join(results, 'STORAGE'), 'utf8')) as {
      backend: string;
      run?: string;
      ok: boolean;
    }[];
    // The PipelineRun's backends, then each sibling TaskRun's own attestation (Chains' default: tekton).
    expect(storage.map((s) => [s.backend, s.run, s.ok])).toEqual([
      ['tekton', undefined, true],
      ['file', undefined, true],
      ...['clone', 'build', 'notify'].map((task) => ['tekton', `TaskRun ${scenario.name}-${task}`, true]),
    ]);

    // The summary table.
    expect(result.stderr).toContain('tekton-attest summary');
    expect(result.stderr).toMatch(/tasks\s+3 attested; .*-attest \(this task\) excluded/);
    expect(result.stderr).toMatch(/tekton\s+OK\s+PipelineRun ci\/.* annotations/);
    expect(result.stderr).toMatch(/file\s+OK\s+/);
  });

  it('re-running changes nothing: identical annotations, no second patch', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    expect((await attest(scenario)).code).toBe(0);
    const first = annotations(scenario);
    const patchesBefore = fake.requestsFor({ verb: 'patch', resource: 'pipelineruns' }).length;
    const again = await attest(scenario);
    expect(again.code).toBe(0);
    expect(annotations(scenario)).toEqual(first);
    expect(fake.requestsFor({ verb: 'patch', resource: 'pipelineruns' })).toHaveLength(patchesBefore);
    expect(again.stderr).toContain('already hold this attestation');
  });

  it('each sibling TaskRun is patched against the object collected: one patch, no GET, per TaskRun; a re-run writes none', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    expect((await attest(scenario)).code).toBe(0);
    const siblings = scenario.taskRuns.filter((r) => r.metadata.name !== scenario.attestTaskRun);
    expect(fake.requestsFor({ verb: 'patch', resource: 'taskruns' })).toHaveLength(siblings.length);
    expect(fake.requestsFor({ verb: 'get', resource: 'taskruns' })).toHaveLength(0);
    expect((await attest(scenario)).code).toBe(0);
    expect(fake.requestsFor({ verb: 'patch', resource: 'taskruns' })).toHaveLength(siblings.length);
  });

  it('--mark-signed also writes chains.tekton.dev/signed', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    expect((await attest(scenario, ['--mark-signed'])).code).toBe(0);
    expect(annotations(scenario)['chains.tekton.dev/signed']).toBe('true');
  });

  it('SLSA v1.0 from a v1beta1-only server, patching the v1beta1 object', async () => {
    const scenario = buildAndNotify({ apiVersion: 'v1beta1' });
    await serve(scenario, { served: ['v1beta1'] });
    const result = await attest(scenario, ['--format', 'slsa/v2alpha4']);
    expect(result.code).toBe(0);
    expect(fake.requestsFor({ verb: 'patch', resource: 'pipelineruns' }).map((r) => r.version)).toEqual([
      'v1beta1',
    ]);
    const statement = verifiedStatement(
      Buffer.from(annotations(scenario)[key('signature', scenario)]!, 'base64').toString(),
    );
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.subject[0].name).toBe(IMAGE);
    expect(result.stderr).toContain('(tekton.dev/v1beta1)');
  });

  it('a run with a CustomRun, a matrix and a failed build task', async () => {
    const scenario = buildScenario({
      attestTask: 'attest',
      tasks: [
        { name: 'approve', custom: true, results: { approver: 'alice' } },
        { name: 'test', matrix: 3 },
        { name: 'build', state: 'failed', results: { IMAGE_URL: IMAGE, IMAGE_DIGEST } },
      ],
    });
    await serve(scenario);
    const result = await attest(scenario, ['--format', 'slsa/v1']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('4 TaskRuns, 1 CustomRuns');
    const statement = verifiedStatement(
      Buffer.from(annotations(scenario)[key('signature', scenario)]!, 'base64').toString(),
    );
    const tasks = (statement.predicate.buildConfig.tasks as { name: string; status?: string }[]).map(
      (t) => t.name,
    );
    expect(tasks.filter((t) => t === 'test')).toHaveLength(3);
    expect(tasks).toContain('build');
  });

  it('a run without subjects is still attested to the non-OCI backends, and says so', async () => {
    const scenario = buildScenario({ attestTask: 'attest', tasks: [{ name: 'lint' }] });
    await serve(scenario);
    const result = await attest(scenario, [], 'tekton,oci,file');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/oci\s+OK\s+.*nothing stored in a registry/);
    expect(result.stderr).toContain(
      'the provenance has no subjects (no image or artifact results): nothing to attach in a registry; attested to tekton, file',
    );
    expect(annotations(scenario)[key('payload', scenario)]).toBeTruthy();
    expect(JSON.parse(await readFile(join(dir, 'results', 'SUBJECTS'), 'utf8'))).toEqual([]);
  });
});

describe('attest: the tekton backend under faults', () => {
  it('409 on patch: re-reads and re-applies', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    fake.fault({ verb: 'patch', resource: 'pipelineruns', status: 409 });
    const result = await attest(scenario);
    expect(result.code).toBe(0);
    expect(fake.requestsFor({ verb: 'patch', resource: 'pipelineruns' }).map((r) => r.status)).toEqual([
      409, 200,
    ]);
    expect(result.stderr).toContain('changed while writing; re-reading');
    expect(annotations(scenario)[key('signature', scenario)]).toBeTruthy();
  });

  it('a stale resourceVersion (a controller wrote in between) is a real 409, then succeeds', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    let touched = false;
    fake.onRequest((request) => {
      if (request.verb === 'patch' && !touched) {
        touched = true;
        fake.update('pipelineruns', 'ci', scenario.name, (run) => {
          run.metadata.annotations['other.example.com/touched'] = 'yes';
        });
      }
    });
    const result = await attest(scenario);
    expect(result.code).toBe(0);
    expect(fake.requestsFor({ verb: 'patch', resource: 'pipelineruns' }).map((r) => r.status)).toEqual([
      409, 200,
    ]);
    expect(annotations(scenario)['other.example.com/touched']).toBe('yes');
  });

  it('500 then success on patch', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    fake.fault({ verb: 'patch', resource: 'pipelineruns', status: 500 });
    const result = await attest(scenario);
    expect(result.code).toBe(0);
    expect(fake.requestsFor({ verb: 'patch', resource: 'pipelineruns' }).map((r) => r.status)).toEqual([
      500, 200,
    ]);
  });

  it('a missing RBAC verb: the other backends are still tried, exit 1, the Role named', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    fake.deny({ verb: 'patch', resource: 'pipelineruns' });
    const result = await attest(scenario);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `patch pipelineruns.tekton.dev ci/${scenario.name}: forbidden for system:serviceaccount:ci:pipeline`,
    );
    expect(result.stderr).toContain('Role "tekton-attest-tekton-storage"');
    expect(result.stderr).toMatch(/tekton\s+FAILED/);
    expect(result.stderr).toMatch(/file\s+OK/);
    // The sibling TaskRuns' own attestations (a Role of their own) are written all the same.
    expect(result.stderr).toContain('1 of 5 storage backends failed: tekton');
    expect(await listFiles(join(dir, 'out'))).toHaveLength(2);
    const storage = JSON.parse(await readFile(join(dir, 'results', 'STORAGE'), 'utf8')) as { ok: boolean }[];
    expect(storage.map((s) => s.ok)).toEqual([false, true, true, true, true]);
    expect(fake.requestsFor({ verb: 'patch', resource: 'pipelineruns' })).toHaveLength(1);
  });

  it('image signatures are on by default: an image the task cannot push to fails their row, and the hint says how to turn them off', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    // The sibling TaskRuns' own attestations (--taskrun-storage) are other rows: left out here.
    const args = ['--registry-request-timeout', '2s', '--taskrun-storage', 'none'];
    const result = await attest(scenario, args, 'tekton,file', true);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tekton\s+OK/);
    expect(result.stderr).toMatch(/file\s+OK/);
    expect(result.stderr).toMatch(
      new RegExp(`oci \\(image signatures\\)\\s+FAILED\\s+${IMAGE}@${IMAGE_DIGEST}`),
    );
    expect(result.stderr).toContain('1 of 3 storage backends failed: oci (image signatures)');
    expect(result.stderr).toContain('pass --sign-images=false');
    expect(annotations(scenario)[key('payload', scenario)]).toBeTruthy();
    const storage = JSON.parse(await readFile(join(dir, 'results', 'STORAGE'), 'utf8')) as {
      backend: string;
      artifact?: string;
      ok: boolean;
    }[];
    expect(storage.map((s) => [s.backend, s.artifact, s.ok])).toEqual([
      ['tekton', undefined, true],
      ['file', undefined, true],
      ['oci', 'image signatures', false],
    ]);
  });

  it('--best-effort exits 0 despite a failed backend', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    fake.deny({ verb: 'patch', resource: 'pipelineruns' });
    const result = await attest(scenario, ['--best-effort']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('--best-effort: exiting 0');
  });

  it('oversized annotations: not patched, the size and oci storage named', async () => {
    const scenario = buildAndNotify();
    scenario.pipelineRun.metadata.annotations = { 'example.com/huge': 'x'.repeat(255 * 1024) };
    await serve(scenario);
    const result = await attest(scenario);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /would total 2\d\d\.\d KiB \(this attestation \d+\.\d KiB\), over Kubernetes' 256\.0 KiB limit/,
    );
    expect(result.stderr).toContain('--storage oci');
    expect(fake.requestsFor({ verb: 'patch', resource: 'pipelineruns' })).toHaveLength(0);
    expect(await listFiles(join(dir, 'out'))).toHaveLength(2);
  });
});

describe('attest: bad input writes nothing', () => {
  async function expectNothingWritten(scenario: Scenario): Promise<void> {
    expect(fake.requestsFor({ verb: 'patch' })).toHaveLength(0);
    expect(await listFiles(join(dir, 'out'))).toEqual([]);
    expect(await listFiles(join(dir, 'results'))).toEqual([]);
    expect(Object.keys(annotations(scenario))).toEqual([]);
  }

  it('a cosign key with a wrong password: refused before the API is read', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    keyFile = join(dir, 'cosign.key');
    await writeFile(keyFile, await encryptCosignKey(der, Buffer.from('right password')), { mode: 0o600 });
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, 'hunter2-not-it');
    const result = await attest(scenario, ['--key-password-file', passwordFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot decrypt cosign key at ${keyFile}: wrong password`);
    // Not even read: the key is decrypted before the run is (src/attest.ts).
    expect(fake.requests).toHaveLength(0);
    await expectNothingWritten(scenario);
  });

  it('a PipelineRun that does not exist', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    const result = await attest({ ...scenario, name: 'no-such-run' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: pipelinerun ci/no-such-run not found (tekton.dev/v1)');
    await expectNothingWritten(scenario);
  });

  it('a namespace it cannot read', async () => {
    const scenario = buildAndNotify({ namespace: 'restricted' });
    await serve(scenario);
    fake.deny({ namespace: 'restricted' });
    const result = await attest(scenario);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `get pipelineruns.tekton.dev restricted/${scenario.name}: forbidden for system:serviceaccount:ci:pipeline`,
    );
    expect(result.stderr).toContain('Role "tekton-attest"');
    await expectNothingWritten(scenario);
  });

  it('garbage in a TaskRun status', async () => {
    const scenario = buildAndNotify();
    scenario.taskRuns[1]!.status.results = { IMAGE_URL: 'not a list' };
    await serve(scenario);
    const result = await attest(scenario);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`TaskRun ci/${scenario.name}-build`);
    expect(result.stderr).toContain('status.results must be a list');
    await expectNothingWritten(scenario);
  });

  it('file storage without --output-dir is refused before the API is touched', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    const kubeconfig = await fake.writeKubeconfig(dir);
    const result = await runCli(
      [
        'attest',
        '--kubeconfig',
        kubeconfig,
        '--pipelinerun',
        scenario.name,
        '--key',
        keyFile,
        '--storage',
        'file',
      ],
      { env: cleanEnv() },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--storage file needs --output-dir');
    expect(fake.requests).toHaveLength(0);
  });

  it('a stalled API server: a clear timeout', async () => {
    const scenario = buildAndNotify();
    await serve(scenario);
    fake.fault({ verb: 'get', resource: 'pipelineruns', stall: true, times: 100 });
    const result = await attest(scenario, ['--request-timeout', '1s']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `get pipelineruns.tekton.dev ci/${scenario.name}: no answer from ${fake.url} within 1s (after 5 attempts)`,
    );
    await expectNothingWritten(scenario);
  });
});

describe('attest: in-cluster', () => {
  it('HTTPS with the pod service-account token and CA, run and self from the pod labels; never prints the token', async () => {
    const scenario = buildAndNotify();
    await serve(scenario, { tls: true });
    const root = join(dir, 'root');
    const env = await fake.writeInCluster(root);
    const labels = join(dir, 'podinfo');
    await mkdir(labels);
    await writeFile(
      join(labels, 'labels'),
      `tekton.dev/pipelineRun="${scenario.name}"\ntekton.dev/taskRun="${scenario.attestTaskRun}"\ntekton.dev/pipelineTask="attest"\n`,
    );
    const result = await runCli(
      [
        'attest',
        '--key',
        keyFile,
        '--storage',
        'tekton',
        '--sign-images=false',
        // TaskRun annotations are written a few at a time, over more connections: this checks one run's reuse.
        '--taskrun-storage',
        'none',
        '--results-dir',
        join(dir, 'results'),
        '--log-level',
        'debug',
      ],
      { env: cleanEnv({ ...env, TEKTON_ATTEST_POD_LABELS_FILE: join(labels, 'labels') }) },
    );
    expect(result.stdout + result.stderr).not.toContain(fake.token);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      `kubernetes: in-cluster config, https://127.0.0.1:${fake.port}, namespace ci`,
    );
    expect(fake.requests.every((r) => r.authorization === `Bearer ${fake.token}`)).toBe(true);
    // Every request (all sequential) went over one kept TLS connection.
    expect(fake.requests.length).toBeGreaterThan(3);
    expect(fake.tlsConnections).toBe(1);
    expect(annotations(scenario)[key('payload', scenario)]).toBeTruthy();
    expect(result.stderr).toMatch(/tasks\s+3 attested; .*-attest \(this task\) excluded/);
  });

  it('an in-cluster CA that does not match the server: a TLS error, not a retry loop', async () => {
    const scenario = buildAndNotify();
    await serve(scenario, { tls: true });
    const other = await FakeKube.start({ tls: true });
    const root = join(dir, 'root');
    const env = await fake.writeInCluster(root);
    await writeFile(join(root, 'var/run/secrets/kubernetes.io/serviceaccount/ca.crt'), other.caPem!);
    await other.close();
    const result = await runCli(
      ['attest', '--key', keyFile, '--storage', 'tekton', '--pipelinerun', scenario.name],
      {
        env: cleanEnv(env),
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TLS to https://127.0.0.1');
    expect(result.stderr).toContain("service-account ca.crt does not verify the API server's certificate");
  });
});
