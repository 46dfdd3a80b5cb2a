// The oci backend through the built CLI: many `tekton-attest attest` processes (fake Kubernetes API) pushing
// provenance for one image at once, then `tekton-attest verify`, the independent checker and cosign.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKey } from '../harness/attestations.js';
import { checkAttestations } from '../harness/cosign-checker.js';
import { FakeKube } from '../harness/fake-kube.js';
import { type FaultProxy, startFaultProxy } from '../harness/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage, RegistryHttp } from '../harness/registry-http.js';
import { type CliResult, runCli } from '../harness/run-built-cli.js';
import type { Scenario } from '../harness/scenario.js';
import { buildAndNotify, targetArgs } from '../harness/scenario.js';
import { runCosign } from '../peers/cosign.js';

const key = testKey();
let registry: TestRegistry;
let proxy: FaultProxy;
let fake: FakeKube;
let dir: string;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
  fake = await FakeKube.start();
  dir = await mkdtemp(join(tmpdir(), 'oci-attest-cli-'));
});
afterAll(async () => {
  await fake?.close();
  await proxy?.stop();
  await registry?.stop();
});

/** A PipelineRun (in the fake API) whose build produced `host/repository@digest`. */
function scenarioFor(
  name: string,
  host: string,
  repository: string,
  digest: string,
  moreResults: { name: string; type: string; value: string }[] = [],
): Scenario {
  const scenario = buildAndNotify({ name });
  const build = scenario.taskRuns.find((t) => t.metadata.name.endsWith('-build'))!;
  build.status.results = [
    { name: 'IMAGE_URL', type: 'string', value: `${host}/${repository}` },
    { name: 'IMAGE_DIGEST', type: 'string', value: digest },
    ...moreResults,
  ];
  for (const object of [scenario.pipelineRun, ...scenario.taskRuns]) fake.add(object);
  return scenario;
}

async function attest(
  scenario: Scenario,
  host: string,
  storage = 'oci',
  extra: string[] = [],
): Promise<CliResult> {
  return runCli(
    [
      'attest',
      ...targetArgs(scenario, await fake.writeKubeconfig(dir)),
      '--key',
      key.privateKeyFile,
      '--storage',
      storage,
      '--insecure-registry',
      host,
      '--wait-timeout',
      '5s',
      ...extra,
    ],
    {
      env: { HOME: dir, DOCKER_CONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined, KUBECONFIG: undefined },
    },
  );
}

/** The layers of the image's cosign `.att` or `.sig` tag (none when the tag does not exist). */
async function tagLayers(repository: string, digest: string, kind: 'att' | 'sig'): Promise<unknown[]> {
  const found = await new RegistryHttp({ url: registry.url }).manifest(
    repository,
    `${digest.replace(':', '-')}.${kind}`,
  );
  return found ? (JSON.parse(found.bytes.toString('utf8')) as { layers: unknown[] }).layers : [];
}

/** `cosign verify --key` of an image signed without the transparency log. */
function cosignVerify(reference: string) {
  return runCosign([
    'verify',
    '--key',
    key.publicKeyFile,
    '--insecure-ignore-tlog',
    '--allow-http-registry',
    reference,
  ]);
}

describe('attest with oci storage, end to end', () => {
  it('10 attest processes on one image at once: 10 layers, all verified by verify, the checker and cosign', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/busy-cli', 'v1');
    const scenarios = Array.from({ length: 10 }, (_, i) =>
      scenarioFor(`busy-cli-${i}`, registry.host, 'team/busy-cli', image.digest),
    );
    const results = await Promise.all(scenarios.map((s) => attest(s, registry.host)));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    // A re-run of one of them adds nothing.
    const rerun = await attest(scenarios[0]!, registry.host);
    expect(rerun.code, rerun.stderr).toBe(0);

    const check = await checkAttestations({
      access: { url: registry.url },
      repository: 'team/busy-cli',
      reference: image.digest,
      publicKeyPem: key.publicKeyPem,
      type: 'slsaprovenance1',
    });
    expect(check.layers).toHaveLength(10);
    expect(check.verified).toHaveLength(10);
    const verify = await runCli([
      'verify',
      `${registry.host}/team/busy-cli:v1`,
      '--key',
      key.publicKeyFile,
      '--type',
      'slsaprovenance1',
      '--insecure-ignore-tlog',
      '--insecure-registry',
      registry.host,
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    // Ten different PipelineRuns: ten different statements, each verified once.
    const statements = verify.stdout.trim().split('\n');
    expect(new Set(statements).size).toBe(10);
    const cosign = await runCosign([
      'verify-attestation',
      '--key',
      key.publicKeyFile,
      '--type',
      'slsaprovenance1',
      '--insecure-ignore-tlog',
      '--allow-http-registry',
      `${registry.host}/team/busy-cli:v1`,
    ]);
    expect(cosign.code, cosign.stderr).toBe(0);
    expect(cosign.stdout.trim().split('\n')).toHaveLength(10);
    // The image signature, on by default: ten processes signing one image with one key leave one .sig layer.
    expect(await tagLayers('team/busy-cli', image.digest, 'sig')).toHaveLength(1);
    const signature = await cosignVerify(`${registry.host}/team/busy-cli:v1`);
    expect(signature.code, signature.stderr).toBe(0);
    // Ten CLI processes start at once on small CI machines.
  }, 180_000);

  it('a registry failing mid-upload: oci still succeeds after retries, next to tekton storage', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/flaky-cli');
    const scenario = scenarioFor('flaky-cli', proxy.host, 'team/flaky-cli', image.digest);
    proxy.addFault({ kind: 'reset-mid-body', method: 'PUT', path: /blobs\/uploads/ });
    proxy.addFault({ kind: '500', method: 'PUT', path: /manifests\/sha256-.*\.att/ });
    proxy.addFault({ kind: '503', method: 'POST', path: /blobs\/uploads/ });
    const result = await attest(scenario, proxy.host, 'tekton,oci');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/oci\s+OK/);
    expect(result.stderr).toMatch(/tekton\s+OK/);
    expect(proxy.pending()).toBe(0);
    const check = await checkAttestations({
      access: { url: registry.url },
      repository: 'team/flaky-cli',
      reference: image.digest,
      publicKeyPem: key.publicKeyPem,
      type: 'slsaprovenance1',
    });
    expect(check.verified).toHaveLength(1);
  });
});

describe('image signatures: on by default, in the registry whatever --storage says (Chains: artifacts.oci)', () => {
  it('--storage tekton writes no .att but the .sig, and cosign verify --key accepts it', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/sig-only');
    const scenario = scenarioFor('sig-only', registry.host, 'team/sig-only', image.digest);
    const result = await attest(scenario, registry.host, 'tekton');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/tekton\s+OK/);
    expect(result.stderr).toMatch(
      new RegExp(
        `oci \\(image signatures\\)\\s+OK\\s+${registry.host}/team/sig-only:sha256-[0-9a-f]{64}\\.sig`,
      ),
    );
    expect(await tagLayers('team/sig-only', image.digest, 'att')).toEqual([]);
    expect(await tagLayers('team/sig-only', image.digest, 'sig')).toHaveLength(1);
    const verified = await cosignVerify(`${registry.host}/team/sig-only@${image.digest}`);
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('--sign-images=false: the .att only, no .sig; cosign verify finds no signature', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/no-sig');
    const scenario = scenarioFor('no-sig', registry.host, 'team/no-sig', image.digest);
    const result = await attest(scenario, registry.host, 'oci', ['--sign-images=false']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('image signatures');
    expect(await tagLayers('team/no-sig', image.digest, 'att')).toHaveLength(1);
    expect(await tagLayers('team/no-sig', image.digest, 'sig')).toEqual([]);
    const verified = await cosignVerify(`${registry.host}/team/no-sig@${image.digest}`);
    expect(verified.code).not.toBe(0);
    expect(verified.stderr).toContain('no signatures found');
  });
});

describe('attest and verify: image names a registry cannot address', () => {
  it('a TaskRun result naming ../ paths is skipped as a subject with a warning; no request leaves /v2/', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/escape-cli');
    // A build step chooses its results: this one names a path outside the registry API.
    const scenario = scenarioFor('escape-cli', proxy.host, 'team/escape-cli', image.digest, [
      { name: 'evil-IMAGE_URL', type: 'string', value: `${proxy.host}/team/../../api/v4/projects` },
      { name: 'evil-IMAGE_DIGEST', type: 'string', value: image.digest },
    ]);
    const build = scenario.taskRuns.find((t) => t.metadata.name.endsWith('-build'))!;
    const before = proxy.log.length;
    const outputDir = await mkdtemp(join(dir, 'escape-'));
    const result = await runCli(
      [
        'attest',
        ...targetArgs(scenario, await fake.writeKubeconfig(dir)),
        ...['--key', key.privateKeyFile, '--storage', 'oci,file', '--output-dir', outputDir],
        ...['--insecure-registry', proxy.host, '--deep-inspection', '--wait-timeout', '5s'],
      ],
      {
        env: {
          HOME: dir,
          DOCKER_CONFIG: undefined,
          KUBERNETES_SERVICE_HOST: undefined,
          KUBECONFIG: undefined,
        },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `TaskRun ${build.metadata.name}: skipping image from results evil-IMAGE_URL`,
    );
    const requests = proxy.log.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((line) => !line.split(' ')[1]!.startsWith('/v2/'))).toEqual([]);
    const statement = JSON.parse(
      await readFile(join(outputDir, `${scenario.name}.statement.json`), 'utf8'),
    ) as {
      subject: { name: string }[];
    };
    expect(statement.subject.map((s) => s.name)).toEqual([`${proxy.host}/team/escape-cli`]);
  }, 60_000);

  it('verify refuses such an IMAGE argument (exit 2) before any request', async () => {
    const before = proxy.log.length;
    const result = await runCli([
      'verify',
      `${proxy.host}/team/../../api/v4/projects:v1`,
      ...['--key', key.publicKeyFile, '--insecure-registry', proxy.host],
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no '.' or '..' components");
    expect(proxy.log.length).toBe(before);
  });
});

describe('attest with oci storage: existing layers that are redirected or unreadable', () => {
  let redirecting: TestRegistry;
  beforeAll(async () => {
    redirecting = await startRegistry({ redirectBlobs: true });
  });
  afterAll(async () => {
    await redirecting?.stop();
  });

  /** The layers of the image's `.att` tag, read from the manifest (the blobs sit behind the redirect). */
  async function attLayers(url: string, repository: string, digest: string): Promise<unknown[]> {
    const manifest = await new RegistryHttp({ url }).manifest(repository, `${digest.replace(':', '-')}.att`);
    return manifest ? (JSON.parse(manifest.bytes.toString('utf8')) as { layers: unknown[] }).layers : [];
  }

  it('a registry that redirects blob reads (as hosted ones do): a re-run adds nothing; verify and cosign agree', async () => {
    const image = await pushTestImage({ url: redirecting.url }, 'team/cdn-cli', 'v1');
    const scenario = scenarioFor('cdn-cli', redirecting.host, 'team/cdn-cli', image.digest);
    for (let run = 0; run < 2; run++) {
      const result = await attest(scenario, redirecting.host);
      expect(result.code, result.stderr).toBe(0);
    }
    expect(await attLayers(redirecting.url, 'team/cdn-cli', image.digest)).toHaveLength(1);
    expect(redirecting.blobStore!.requests.some((r) => r.method === 'GET')).toBe(true);
    const reference = `${redirecting.host}/team/cdn-cli:v1`;
    const verify = await runCli([
      'verify',
      reference,
      ...['--key', key.publicKeyFile, '--type', 'slsaprovenance1', '--insecure-ignore-tlog'],
      ...['--insecure-registry', redirecting.host],
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    const cosign = await runCosign([
      'verify-attestation',
      ...['--key', key.publicKeyFile, '--type', 'slsaprovenance1', '--insecure-ignore-tlog'],
      '--allow-http-registry',
      reference,
    ]);
    expect(cosign.code, cosign.stderr).toBe(0);
  }, 120_000);

  it('an existing layer that cannot be read (HTTP 500): the re-run fails and appends no copy', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/unreadable-cli');
    const scenario = scenarioFor('unreadable-cli', proxy.host, 'team/unreadable-cli', image.digest);
    const first = await attest(scenario, proxy.host);
    expect(first.code, first.stderr).toBe(0);
    proxy.addFault({ kind: '500', method: 'GET', path: /blobs\/sha256/, times: 10 });
    const rerun = await attest(scenario, proxy.host);
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toContain('cannot tell whether');
    expect(rerun.stderr).toContain('HTTP 500');
    expect(await attLayers(registry.url, 'team/unreadable-cli', image.digest)).toHaveLength(1);
  }, 120_000);
});
