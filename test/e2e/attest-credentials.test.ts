// `attest` with the pipeline's own credentials read through the API: a k8s:// signing key, and registry
// logins from the service account's imagePullSecrets (which Tekton never hands to steps), against the fake
// Kubernetes API and a real docker-registry with htpasswd auth. Also --chains-config.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeKube } from '../harness/fake-kube.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage, RegistryHttp } from '../harness/registry-http.js';
import { type CliResult, runCli } from '../harness/run-built-cli.js';
import { buildAndNotify, type Scenario } from '../harness/scenario.js';

let registry: TestRegistry;
let fake: FakeKube;
let dir: string;
let keyPem: string;
let runs = 0;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'basic' });
});
afterAll(async () => {
  await registry?.stop();
});

beforeEach(async () => {
  await fake?.close();
  fake = await FakeKube.start();
  dir = await mkdtemp(join(tmpdir(), 'attest-creds-'));
  keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
});

const writer = () => registry.users.writer!;

async function scenarioWithImage(): Promise<{ scenario: Scenario; repository: string; digest: string }> {
  runs += 1;
  const repository = `team/creds${runs}`;
  const image = await pushTestImage(
    { url: registry.url, username: 'writer', password: writer().password },
    repository,
  );
  const scenario = buildAndNotify({ name: `app-build-c${runs}` });
  const build = scenario.taskRuns.find((t) => t.metadata.name.endsWith('-build'))!;
  build.status.results = [
    { name: 'IMAGE_URL', type: 'string', value: `${registry.host}/${repository}` },
    { name: 'IMAGE_DIGEST', type: 'string', value: image.digest },
  ];
  for (const object of [scenario.pipelineRun, ...scenario.taskRuns]) fake.add(object);
  return { scenario, repository, digest: image.digest };
}

function secret(
  name: string,
  type: string,
  data: Record<string, string>,
  annotations: Record<string, string> = {},
) {
  fake.add({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'ci', annotations },
    type,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
}

async function attest(scenario: Scenario, args: string[]): Promise<CliResult> {
  const result = await runCli(
    [
      'attest',
      '--kubeconfig',
      await fake.writeKubeconfig(dir),
      '--pipelinerun',
      scenario.name,
      '--taskrun',
      scenario.attestTaskRun!,
      '--insecure-registry',
      registry.host,
      '--wait-timeout',
      '5s',
      ...args,
    ],
    {
      env: {
        HOME: dir,
        DOCKER_CONFIG: undefined,
        KUBERNETES_SERVICE_HOST: undefined,
        COSIGN_PASSWORD: undefined,
      },
    },
  );
  const output = result.stdout + result.stderr;
  expect(output).not.toContain(fake.token);
  expect(output).not.toContain(writer().password);
  expect(output).not.toContain('BEGIN PRIVATE KEY');
  return result;
}

describe('attest: signing key from k8s://', () => {
  it('reads x509.pem from the Secret through the API', async () => {
    const { scenario } = await scenarioWithImage();
    secret('signing-secrets', 'Opaque', { 'x509.pem': keyPem });
    // Signing is the point here: the image signatures (their registry needs a login) are off.
    const result = await attest(scenario, [
      '--key',
      'k8s://ci/signing-secrets',
      '--storage',
      'tekton',
      '--sign-images=false',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('signer    key (x509.pem in secret ci/signing-secrets)');
    expect(fake.requestsFor({ verb: 'get', resource: 'secrets', name: 'signing-secrets' })).toHaveLength(1);
  });

  it('a Secret it may not read: the signing-key Role named, nothing written', async () => {
    const { scenario } = await scenarioWithImage();
    secret('signing-secrets', 'Opaque', { 'x509.pem': keyPem });
    fake.deny({ resource: 'secrets' });
    const result = await attest(scenario, ['--key', 'k8s://ci/signing-secrets', '--storage', 'tekton']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'get secrets ci/signing-secrets: forbidden for system:serviceaccount:ci:pipeline',
    );
    expect(result.stderr).toContain('Role "tekton-attest-signing-key"');
    expect(result.stderr).toContain('resourceNames: ["signing-secrets"]');
    expect(fake.requestsFor({ verb: 'patch' })).toHaveLength(0);
  });
});

describe('attest: registry credentials from the service account', () => {
  it('pushes with the imagePullSecrets of the service account (--registry-credentials-from-api)', async () => {
    const { scenario, repository, digest } = await scenarioWithImage();
    const keyFile = join(dir, 'x509.pem');
    await writeFile(keyFile, keyPem);
    fake.add({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'pipeline', namespace: 'ci' },
      imagePullSecrets: [{ name: 'missing-secret' }, { name: 'regcred' }],
      secrets: [{ name: 'git-credentials' }],
    });
    const auth = Buffer.from(`writer:${writer().password}`).toString('base64');
    secret('regcred', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': JSON.stringify({ auths: { [registry.host]: { auth } } }),
    });
    secret(
      'git-credentials',
      'kubernetes.io/basic-auth',
      { username: 'git', password: 'git-secret-pw' },
      {
        'tekton.dev/git-0': 'https://github.com',
      },
    );

    // Without the API credentials the registry refuses: the oci backend fails, tekton is still written.
    const refused = await attest(scenario, ['--key', keyFile, '--storage', 'oci,tekton']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/oci\s+FAILED/);
    expect(refused.stderr).toMatch(/tekton\s+OK/);

    const result = await attest(scenario, [
      '--key',
      keyFile,
      '--storage',
      'oci',
      '--registry-credentials-from-api',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/oci\s+OK/);
    expect(result.stderr).toContain('registry credentials: secret ci/missing-secret skipped');
    expect(fake.requestsFor({ verb: 'get', resource: 'serviceaccounts', name: 'pipeline' })).toHaveLength(1);
    const http = new RegistryHttp({ url: registry.url, username: 'writer', password: writer().password });
    // The attestation and, on by default, the image signature: both pushed with the API's credentials.
    expect(result.stderr).toMatch(/oci \(image signatures\)\s+OK/);
    for (const kind of ['att', 'sig']) {
      expect(await http.manifest(repository, `${digest.replace(':', '-')}.${kind}`), kind).toBeDefined();
    }
    expect(result.stdout + result.stderr).not.toContain('git-secret-pw');
  });
});

describe('attest: --chains-config', () => {
  it('takes the format, storage and image signatures from a Chains ConfigMap; flags still win', async () => {
    const { scenario } = await scenarioWithImage();
    const keyFile = join(dir, 'x509.pem');
    await writeFile(keyFile, keyPem);
    const configMap = join(dir, 'chains-config.yaml');
    await writeFile(
      configMap,
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: chains-config, namespace: tekton-chains}',
        'data:',
        '  artifacts.pipelinerun.format: slsa/v1',
        '  artifacts.pipelinerun.storage: tekton',
        '  artifacts.oci.storage: ""',
        '  builder.id: https://ci.example.com/builder',
        '',
      ].join('\n'),
    );
    const result = await attest(scenario, [
      '--key',
      keyFile,
      '--chains-config',
      configMap,
      '--builder-id',
      'https://flag.example.com',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('format    slsa/v1 (SLSA v0.2)');
    // artifacts.oci.storage "" turns image signatures off, as in Chains: no registry row at all.
    expect(result.stderr).not.toMatch(/oci( \(image signatures\))?\s+(OK|FAILED)/);
    const stored = fake.object('pipelineruns', 'ci', scenario.name)!.metadata.annotations;
    const payload = JSON.parse(
      Buffer.from(stored[`chains.tekton.dev/payload-pipelinerun-${scenario.uid}`], 'base64').toString(),
    );
    expect(payload.predicate.builder.id).toBe('https://flag.example.com');
  });
});
