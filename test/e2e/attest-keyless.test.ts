// End to end: the built CLI runs `attest` against the fake Kubernetes API, a real docker-registry and the
// test Fulcio/Rekor, signing keyless with a projected-token stand-in and logging in Rekor. What it stored is
// then checked three ways: by this file's own code (layer bytes vs the logged entry, the SET with the log's
// key), by the independent cosign-style checker, and by the real cosign CLI with the tlog checked.
import { createHash, createPublicKey, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKey } from '../harness/attestations.js';
import { checkAttestations } from '../harness/cosign-checker.js';
import { FakeKube } from '../harness/fake-kube.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage, type RegistryAccess, RegistryHttp } from '../harness/registry-http.js';
import { runCli } from '../harness/run-built-cli.js';
import { buildAndNotify, type Scenario, targetArgs } from '../harness/scenario.js';
import { type SigstoreStack, startSigstore } from '../harness/sigstore.js';
import { runCosign } from '../peers/cosign.js';

const NAMESPACE = 'ci';
const SERVICE_ACCOUNT = 'pipeline';
const SAN = `https://kubernetes.io/namespaces/${NAMESPACE}/serviceaccounts/${SERVICE_ACCOUNT}`;

let registry: TestRegistry;
let sigstore: SigstoreStack;
/** An unrelated Fulcio/Rekor: its trusted root must not vouch for what the test stack signed. */
let otherSigstore: SigstoreStack;
let kube: FakeKube;
let dir: string;
let kubeconfig: string;
let access: RegistryAccess;
let runs = 0;

beforeAll(async () => {
  [registry, sigstore, otherSigstore, kube] = await Promise.all([
    startRegistry(),
    startSigstore(),
    startSigstore(),
    FakeKube.start({ serviceAccount: { namespace: NAMESPACE, name: SERVICE_ACCOUNT } }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'attest-keyless-'));
  kubeconfig = await kube.writeKubeconfig(dir);
  access = { url: registry.url };
});
afterAll(async () => {
  await Promise.all([registry?.stop(), sigstore?.stop(), otherSigstore?.stop(), kube?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Image {
  repository: string;
  digest: string;
}

interface Run extends Image {
  scenario: Scenario;
  /** Every image the build produced (the first is `repository`/`digest`). */
  images: Image[];
}

/** An image by digest, as users name it to cosign and to `tekton-attest verify`. */
const ref = (image: Image) => `${registry.host}/${image.repository}@${image.digest}`;
/** The keyless identity to trust (cosign and `tekton-attest verify` take the same flags). */
/** `--key FILE --trusted-root ROOT`: a key-signed, logged attestation checked against one trusted root. */
const keyAndRoot = (keyFile: string, root: string) => ['--key', keyFile, '--trusted-root', root];
const identity = (san = SAN, issuer = sigstore.issuer) => [
  '--certificate-identity',
  san,
  '--certificate-oidc-issuer',
  issuer,
];

/** `cosign verify` (the .sig) or `cosign verify-attestation --type slsaprovenance1` of an image here. */
function cosignVerify(
  command: 'verify' | 'verify-attestation',
  image: Image,
  args: string[],
  env?: Record<string, string>,
) {
  const type = command === 'verify-attestation' ? ['--type', 'slsaprovenance1'] : [];
  return runCosign([command, ...type, ...args, '--allow-insecure-registry', ref(image)], env ? { env } : {});
}

/**
 * A fresh image in the registry and a finally-time PipelineRun that built it. `extraImages` more images
 * are results of the build TaskRun only (subjects with `--deep-inspection`).
 */
async function newRun(annotations: Record<string, string> = {}, extraImages = 0): Promise<Run> {
  runs += 1;
  const images: Image[] = [];
  for (let i = 0; i <= extraImages; i++) {
    const repository = i === 0 ? `team/app${runs}` : `team/app${runs}-extra${i}`;
    images.push({ repository, digest: (await pushTestImage(access, repository)).digest });
  }
  const scenario = buildAndNotify({ name: `app-build-${runs}`, namespace: NAMESPACE });
  const build = scenario.taskRuns.find((t) => t.metadata.name.endsWith('-build'));
  build!.status.results = images.flatMap((image, i) => {
    const prefix = i === 0 ? '' : `EXTRA${i}_`;
    return [
      { name: `${prefix}IMAGE_URL`, type: 'string', value: `${registry.host}/${image.repository}` },
      { name: `${prefix}IMAGE_DIGEST`, type: 'string', value: image.digest },
    ];
  });
  Object.assign(scenario.pipelineRun.metadata.annotations, annotations);
  for (const object of [scenario.pipelineRun, ...scenario.taskRuns, ...scenario.customRuns]) kube.add(object);
  const [first] = images;
  return { scenario, repository: first!.repository, digest: first!.digest, images };
}

function attest(run: Run, args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(
    [
      'attest',
      ...targetArgs(run.scenario, kubeconfig),
      '--insecure-registry',
      registry.host,
      '--storage',
      'oci,tekton',
      '--format',
      'slsa/v2alpha4',
      '--wait-timeout',
      '5s',
      // These runs count the PipelineRun's own log entries; the TaskRuns' ones are counted where asked for.
      ...(args.includes('--taskrun-storage') ? [] : ['--taskrun-storage', 'none']),
      ...args,
    ],
    { env: { HOME: dir, DOCKER_CONFIG: dir, SIGSTORE_ID_TOKEN: undefined, ...env } },
  );
}

function keylessArgs(token: string): string[] {
  return [
    '--signer',
    'keyless',
    '--identity-token-file',
    token,
    '--fulcio-url',
    sigstore.fulcioUrl,
    '--transparency',
    'true',
    '--rekor-url',
    sigstore.rekorUrl,
  ];
}

interface StoredLayer {
  bytes: Buffer;
  annotations: Record<string, string>;
}

async function attLayers(run: Image): Promise<StoredLayer[]> {
  return tagLayers(run, 'att');
}

async function sigLayers(image: Image): Promise<StoredLayer[]> {
  return tagLayers(image, 'sig');
}

async function tagLayers(run: Image, kind: 'att' | 'sig'): Promise<StoredLayer[]> {
  const http = new RegistryHttp(access);
  const found = await http.manifest(run.repository, `${run.digest.replace(':', '-')}.${kind}`);
  if (!found) return [];
  const manifest = JSON.parse(found.bytes.toString('utf8')) as {
    layers: { digest: string; annotations?: Record<string, string> }[];
  };
  return Promise.all(
    manifest.layers.map(async (layer) => ({
      bytes: await http.blob(run.repository, layer.digest),
      annotations: layer.annotations ?? {},
    })),
  );
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The signed entry timestamp of a cosign bundle annotation, checked with the test log's key; the entry body. */
function checkSet(layer: StoredLayer): { body: Record<string, unknown>; logIndex: number } {
  const bundle = JSON.parse(layer.annotations['dev.sigstore.cosign/bundle'] ?? 'null') as {
    SignedEntryTimestamp: string;
    Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
  } | null;
  expect(bundle).not.toBeNull();
  const { body, integratedTime, logIndex, logID } = bundle!.Payload;
  const signed = JSON.stringify({ body, integratedTime, logID, logIndex });
  const rekorKey = createPublicKey(sigstore.rekorPublicKeyPem);
  expect(
    verify('sha256', Buffer.from(signed), rekorKey, Buffer.from(bundle!.SignedEntryTimestamp, 'base64')),
  ).toBe(true);
  return { body: JSON.parse(Buffer.from(body, 'base64').toString('utf8')), logIndex };
}

/** cosign's Rekor-bundle checks, written independently of src/: SET, body kind, envelope hash, verifier. */
function checkRekorBundle(layer: StoredLayer, verifierPem: string): { logIndex: number } {
  const { body, logIndex } = checkSet(layer);
  const entry = body as {
    kind: string;
    apiVersion: string;
    spec: { envelopeHash: { value: string }; signatures: { verifier: string }[] };
  };
  expect(`${entry.kind} ${entry.apiVersion}`).toBe('dsse 0.0.1');
  expect(entry.spec.envelopeHash.value).toBe(sha256(layer.bytes));
  expect(Buffer.from(entry.spec.signatures[0]?.verifier ?? '', 'base64').toString()).toBe(verifierPem);
  return { logIndex };
}

/** cosign's checks of a `.sig` layer's Rekor bundle, written independently of src/: a hashedrekord entry of this signature. */
function checkSigBundle(layer: StoredLayer, verifierPem: string): { logIndex: number } {
  const { body, logIndex } = checkSet(layer);
  const entry = body as {
    kind: string;
    apiVersion: string;
    spec: {
      data: { hash: { algorithm: string; value: string } };
      signature: { content: string; publicKey: { content: string } };
    };
  };
  expect(`${entry.kind} ${entry.apiVersion}`).toBe('hashedrekord 0.0.1');
  expect(entry.spec.data.hash).toEqual({ algorithm: 'sha256', value: sha256(layer.bytes) });
  expect(entry.spec.signature.content).toBe(layer.annotations['dev.cosignproject.cosign/signature']);
  expect(Buffer.from(entry.spec.signature.publicKey.content, 'base64').toString()).toBe(verifierPem);
  return { logIndex };
}

const hashedRekords = () => sigstore.entries.filter((e) => e.body.kind === 'hashedrekord');
/** The last dsse entry: the attestation's (logged before the run's image signatures, which are hashedrekords). */
const lastAttestationEntry = () => sigstore.entries.filter((e) => e.body.kind === 'dsse').at(-1);

/** The dsse entries logging cosign v3's image signature (a cosign/sign/v1 statement) of `image`. */
function imageSignatureEntries(image: Image) {
  return sigstore.entries.filter((entry) => {
    const proposed = entry.proposed as { spec?: { proposedContent?: { envelope?: string } } };
    const envelope = proposed.spec?.proposedContent?.envelope;
    if (entry.body.kind !== 'dsse' || !envelope) return false;
    const statement = JSON.parse(
      Buffer.from((JSON.parse(envelope) as { payload: string }).payload, 'base64').toString('utf8'),
    ) as { predicateType?: string; subject?: { digest?: { sha256?: string } }[] };
    return (
      statement.predicateType === 'https://sigstore.dev/cosign/sign/v1' &&
      `sha256:${statement.subject?.[0]?.digest?.sha256}` === image.digest
    );
  });
}

/** The manifests listed as referrers of `image` (distribution 2.8 keeps them in the fallback tag's index). */
async function referrerDigests(image: Image): Promise<string[]> {
  const found = await new RegistryHttp(access).manifest(image.repository, image.digest.replace(':', '-'));
  if (!found) return [];
  const index = JSON.parse(found.bytes.toString('utf8')) as { manifests: { digest: string }[] };
  return index.manifests.map((m) => m.digest);
}

describe('attest --signer keyless --transparency true (built CLI)', () => {
  let run: Run;
  let result: Awaited<ReturnType<typeof runCli>>;
  let token: string;
  beforeAll(async () => {
    run = await newRun();
    token = sigstore.writeToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT });
    result = await attest(run, keylessArgs(token));
  });

  it('succeeds and reports the identity and the log index', () => {
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const entry = lastAttestationEntry();
    expect(result.stderr).toContain(SAN);
    expect(result.stderr).toContain(`log index ${entry?.logIndex}`);
    expect(result.stderr).toContain(`${sigstore.rekorUrl}/api/v1/log/entries?logIndex=${entry?.logIndex}`);
  });

  it('stores one .att layer whose bytes are exactly the envelope logged in Rekor', async () => {
    const layers = await attLayers(run);
    expect(layers).toHaveLength(1);
    const [layer] = layers;
    const logged = sigstore.entries.find((e) => {
      const proposed = e.proposed as { spec: { proposedContent: { envelope: string } } };
      return proposed.spec.proposedContent.envelope === layer!.bytes.toString('utf8');
    });
    expect(logged).toBeDefined();
    const certificate = layer!.annotations['dev.sigstore.cosign/certificate'] ?? '';
    expect(new X509Certificate(certificate).subjectAltName).toBe(`URI:${SAN}`);
    expect(layer!.annotations['dev.sigstore.cosign/chain']).toContain('BEGIN CERTIFICATE');
    expect(checkRekorBundle(layer!, certificate).logIndex).toBe(logged?.logIndex);
  });

  it('passes the independent checker with the certificate key', async () => {
    const [layer] = await attLayers(run);
    const publicKeyPem = String(
      new X509Certificate(layer!.annotations['dev.sigstore.cosign/certificate'] ?? '').publicKey.export({
        format: 'pem',
        type: 'spki',
      }),
    );
    const check = await checkAttestations({
      access,
      repository: run.repository,
      reference: run.digest,
      publicKeyPem,
      type: 'slsaprovenance1',
    });
    expect(check.verified).toHaveLength(1);
  });

  it('annotates the PipelineRun with the log entry URL and the certificate, as Chains does', () => {
    const annotations = kube.object('pipelineruns', NAMESPACE, run.scenario.name)?.metadata.annotations ?? {};
    const entry = lastAttestationEntry();
    expect(annotations['chains.tekton.dev/transparency']).toBe(
      `${sigstore.rekorUrl}/api/v1/log/entries?logIndex=${entry?.logIndex}`,
    );
    const cert = Object.entries(annotations).find(([k]) => k.startsWith('chains.tekton.dev/cert-'));
    expect(Buffer.from(String(cert?.[1] ?? ''), 'base64').toString()).toContain('BEGIN CERTIFICATE');
  });

  it('also signs the image, by default: cosign verify accepts the .sig for the identity, with the log checked', async () => {
    const [layer] = await sigLayers(run);
    const certificate = layer!.annotations['dev.sigstore.cosign/certificate'] ?? '';
    expect(new X509Certificate(certificate).subjectAltName).toBe(`URI:${SAN}`);
    checkSigBundle(layer!, certificate);
    const verified = await cosignVerify('verify', run, [
      ...identity(),
      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(verified.stderr).toContain('Existence of the claims in the transparency log was verified offline');
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('never prints the identity token', () => {
    const secret = readFileSync(token, 'utf8');
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stdout + result.stderr).not.toContain(secret.split('.')[2] ?? 'x');
  });

  it('is accepted by cosign verify-attestation with the identity, the trusted root and the tlog checked', async () => {
    const verified = await cosignVerify('verify-attestation', run, [
      ...identity(),
      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(verified.stderr).toContain('Existence of the claims in the transparency log was verified offline');
    expect(verified.code).toBe(0);
    const wrong = await cosignVerify('verify-attestation', run, [
      ...identity(`https://kubernetes.io/namespaces/${NAMESPACE}/serviceaccounts/default`),
      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(wrong.code).not.toBe(0);
    const untrusted = await cosignVerify('verify-attestation', run, [
      ...identity(),
      '--trusted-root',
      otherSigstore.trustedRootPath,
    ]);
    expect(untrusted.code).not.toBe(0);
  });

  it('is accepted by cosign with the environment variables instead of a trusted root file', async () => {
    const verified = await cosignVerify('verify-attestation', run, identity(), {
      SIGSTORE_ROOT_FILE: sigstore.fulcioRootPemPath,
      SIGSTORE_REKOR_PUBLIC_KEY: sigstore.rekorPublicKeyPemPath,
      SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: sigstore.ctlogPublicKeyPemPath,
    });
    expect(verified.stderr).toContain('Existence of the claims in the transparency log was verified offline');
    expect(verified.code).toBe(0);
  });
});

describe('attest --key with --transparency true (built CLI)', () => {
  it('is accepted by cosign verify-attestation --key without --insecure-ignore-tlog', async () => {
    const run = await newRun();
    const key = testKey();
    const result = await attest(run, [
      '--key',
      key.privateKeyFile,
      '--transparency',
      'true',
      '--rekor-url',
      sigstore.rekorUrl,
    ]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const [layer] = await attLayers(run);
    checkRekorBundle(layer!, key.publicKeyPem);
    const withRoot = await cosignVerify('verify-attestation', run, [
      ...keyAndRoot(key.publicKeyFile, sigstore.trustedRootPath),
    ]);
    expect(withRoot.stderr).toContain('Existence of the claims in the transparency log was verified offline');
    expect(withRoot.code).toBe(0);
    const otherRoot = await cosignVerify('verify-attestation', run, [
      '--key',
      key.publicKeyFile,

      '--trusted-root',
      otherSigstore.trustedRootPath,
    ]);
    expect(otherRoot.stderr).toContain('rekor log public key not found');
    expect(otherRoot.code).not.toBe(0);
    const withEnvKey = await cosignVerify('verify-attestation', run, ['--key', key.publicKeyFile], {
      SIGSTORE_REKOR_PUBLIC_KEY: sigstore.rekorPublicKeyPemPath,
    });
    expect(withEnvKey.stderr).toContain(
      'Existence of the claims in the transparency log was verified offline',
    );
    expect(withEnvKey.code).toBe(0);
  });
});

describe('re-running attest --key with --transparency true (built CLI)', () => {
  it('keeps the stored signature and the transparency annotation that logs it', async () => {
    const run = await newRun();
    const key = testKey();
    const args = ['--key', key.privateKeyFile, '--transparency', 'true', '--rekor-url', sigstore.rekorUrl];
    expect((await attest(run, args)).code).toBe(0);
    const annotationsNow = () =>
      ({ ...kube.object('pipelineruns', NAMESPACE, run.scenario.name)?.metadata.annotations }) as Record<
        string,
        string
      >;
    const first = annotationsNow();
    expect((await attest(run, args)).code).toBe(0);
    const second = annotationsNow();
    expect(second).toEqual(first);
    // The annotated log entry must be the one that logged the stored envelope.
    const signature = Object.entries(second).find(([k]) => k.startsWith('chains.tekton.dev/signature-'));
    const envelope = Buffer.from(String(signature?.[1]), 'base64').toString('utf8');
    const logIndex = Number(
      new URL(second['chains.tekton.dev/transparency'] ?? '').searchParams.get('logIndex'),
    );
    const logged = sigstore.entries.find((e) => e.logIndex === logIndex);
    const proposed = logged?.proposed as { spec: { proposedContent: { envelope: string } } } | undefined;
    expect(proposed?.spec.proposedContent.envelope).toBe(envelope);
  });
});

describe('failures (built CLI)', () => {
  it('Fulcio down: fails naming the URL, and stores nothing', async () => {
    const run = await newRun();
    const token = sigstore.writeToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT });
    const patches = kube.requestsFor({ verb: 'patch' }).length;
    const entries = sigstore.entries.length;
    const args = keylessArgs(token);
    args[args.indexOf('--fulcio-url') + 1] = sigstore.deadUrl;
    const result = await attest(run, args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Fulcio at ${sigstore.deadUrl} unreachable after 4 attempts`);
    expect(await attLayers(run)).toEqual([]);
    expect(kube.requestsFor({ verb: 'patch' }).length).toBe(patches);
    expect(sigstore.entries.length).toBe(entries);
  });

  it('Rekor 5xx then success: retries and stores the logged attestation', async () => {
    const run = await newRun();
    const token = sigstore.writeToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT });
    const before = sigstore.requests.rekor;
    sigstore.failNext('rekor', 2, 503);
    const result = await attest(run, keylessArgs(token));
    expect(result.code).toBe(0);
    // Two refused, then the attestation's entry, then the image signature's (on by default).
    expect(sigstore.requests.rekor - before).toBe(4);
    const [layer] = await attLayers(run);
    checkRekorBundle(layer!, layer!.annotations['dev.sigstore.cosign/certificate'] ?? '');
  });

  it('Rekor down: fails naming the URL, and stores nothing', async () => {
    const run = await newRun();
    const token = sigstore.writeToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT });
    const args = [...keylessArgs(token), '--sign-images'];
    args[args.indexOf('--rekor-url') + 1] = sigstore.deadUrl;
    const patches = kube.requestsFor({ verb: 'patch' }).length;
    const result = await attest(run, args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Rekor at ${sigstore.deadUrl} unreachable after 4 attempts`);
    expect(await attLayers(run)).toEqual([]);
    expect(await sigLayers(run)).toEqual([]);
    expect(kube.requestsFor({ verb: 'patch' }).length).toBe(patches);
  });

  it('an expired token: a clear error before Fulcio is asked', async () => {
    const run = await newRun();
    const token = sigstore.writeToken({
      namespace: NAMESPACE,
      serviceAccount: SERVICE_ACCOUNT,
      expiresIn: -30,
    });
    const before = sigstore.requests.fulcio;
    const result = await attest(run, keylessArgs(token));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the identity token file ${token} expired at`);
    expect(sigstore.requests.fulcio).toBe(before);
    expect(await attLayers(run)).toEqual([]);
  });

  it('a token for the wrong audience: a clear error naming the audience to project', async () => {
    const run = await newRun();
    const token = sigstore.writeToken({
      namespace: NAMESPACE,
      serviceAccount: SERVICE_ACCOUNT,
      audience: ['https://kubernetes.default.svc.cluster.local'],
    });
    const result = await attest(run, keylessArgs(token));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is for audience https://kubernetes.default.svc.cluster.local');
    expect(result.stderr).toContain('audience: sigstore');
    expect(result.stderr).not.toContain(readFileSync(token, 'utf8'));
  });
});

describe('--transparency manual (built CLI)', () => {
  it('logs only runs annotated chains.tekton.dev/transparency-upload: "true"', async () => {
    const key = testKey();
    const args = [
      ...['--key', key.privateKeyFile, '--transparency', 'manual', '--rekor-url', sigstore.rekorUrl],
      '--sign-images',
    ];
    const plain = await newRun();
    const before = sigstore.entries.length;
    expect((await attest(plain, args)).code).toBe(0);
    expect(sigstore.entries.length).toBe(before);
    const [unlogged] = await attLayers(plain);
    expect(unlogged?.annotations['dev.sigstore.cosign/bundle']).toBeUndefined();
    const [unloggedSig] = await sigLayers(plain);
    expect(unloggedSig?.annotations['dev.cosignproject.cosign/signature']).toBeTruthy();
    expect(unloggedSig?.annotations['dev.sigstore.cosign/bundle']).toBeUndefined();

    const annotated = await newRun({ 'chains.tekton.dev/transparency-upload': 'true' });
    expect((await attest(annotated, args)).code).toBe(0);
    // The attestation (dsse) and the image signature (hashedrekord), as Chains logs both.
    expect(sigstore.entries.length).toBe(before + 2);
    const [logged] = await attLayers(annotated);
    checkRekorBundle(logged!, key.publicKeyPem);
    const [loggedSig] = await sigLayers(annotated);
    checkSigBundle(loggedSig!, key.publicKeyPem);
  });
});

describe("TaskRun-level artifacts (Chains' artifacts.taskrun.*) with transparency (built CLI)", () => {
  it("logs each sibling TaskRun's attestation (keyless) and annotates the TaskRun with its entry; in manual mode only annotated TaskRuns", async () => {
    const run = await newRun();
    const token = sigstore.writeToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT });
    const before = sigstore.entries.length;
    const result = await attest(run, [...keylessArgs(token), '--taskrun-storage', 'tekton']);
    expect(result.code, result.stderr).toBe(0);
    const siblings = run.scenario.taskRuns.filter((r) => r.metadata.name !== run.scenario.attestTaskRun);
    // The PipelineRun's attestation, then one dsse entry per sibling TaskRun, as Chains logs each object; and
    // the built image's signature (hashedrekord).
    const kinds = sigstore.entries.slice(before).map((e) => e.body.kind);
    expect(
      kinds.filter((k) => k === 'dsse'),
      result.stderr,
    ).toHaveLength(1 + siblings.length);
    expect(
      kinds.filter((k) => k === 'hashedrekord'),
      result.stderr,
    ).toHaveLength(1);
    for (const sibling of siblings) {
      const annotations =
        kube.object('taskruns', NAMESPACE, sibling.metadata.name)?.metadata.annotations ?? {};
      const url = annotations['chains.tekton.dev/transparency'] ?? '';
      const logIndex = Number(new URL(url).searchParams.get('logIndex'));
      const signature = Object.entries(annotations).find(([k]) =>
        k.startsWith('chains.tekton.dev/signature-taskrun-'),
      );
      const logged = sigstore.entries.find((e) => e.logIndex === logIndex);
      const proposed = logged?.proposed as { spec: { proposedContent: { envelope: string } } } | undefined;
      expect(proposed?.spec.proposedContent.envelope).toBe(
        Buffer.from(String(signature?.[1]), 'base64').toString(),
      );
      const cert = Object.entries(annotations).find(([k]) => k.startsWith('chains.tekton.dev/cert-taskrun-'));
      expect(Buffer.from(String(cert?.[1]), 'base64').toString()).toContain('BEGIN CERTIFICATE');
    }

    // manual: Chains reads chains.tekton.dev/transparency-upload on each object, the TaskRun's own included.
    const key = testKey();
    const manual = await newRun({ 'chains.tekton.dev/transparency-upload': 'true' });
    const [first] = manual.scenario.taskRuns;
    kube.update('taskruns', NAMESPACE, first!.metadata.name, (taskRun) => {
      taskRun.metadata.annotations = { 'chains.tekton.dev/transparency-upload': 'true' };
    });
    const beforeManual = sigstore.entries.length;
    const manualArgs = [
      '--key',
      key.privateKeyFile,
      '--transparency',
      'manual',
      '--rekor-url',
      sigstore.rekorUrl,
    ];
    const logged = await attest(manual, [...manualArgs, '--taskrun-storage', 'tekton']);
    expect(logged.code, logged.stderr).toBe(0);
    // The annotated PipelineRun's attestation and the annotated TaskRun's (dsse), and the image signature,
    // logged with the PipelineRun's (hashedrekord); not the other TaskRuns.
    const manualKinds = sigstore.entries.slice(beforeManual).map((e) => e.body.kind);
    expect(manualKinds.sort(), logged.stderr).toEqual(['dsse', 'dsse', 'hashedrekord']);
    const annotated = (name: string) => kube.object('taskruns', NAMESPACE, name)?.metadata.annotations ?? {};
    expect(annotated(first!.metadata.name)['chains.tekton.dev/transparency']).toContain('logIndex=');
    const others = manual.scenario.taskRuns.filter(
      (r) => r.metadata.name !== first!.metadata.name && r.metadata.name !== manual.scenario.attestTaskRun,
    );
    for (const other of others) {
      expect(annotated(other.metadata.name)['chains.tekton.dev/transparency']).toBeUndefined();
      expect(Object.keys(annotated(other.metadata.name)).some((k) => k.includes('signature-taskrun-'))).toBe(
        true,
      );
    }
  });
});

describe("TaskRun-level oci storage (Chains' artifacts.taskrun.storage: oci) (built CLI)", () => {
  it('.att next to each image the TaskRun built, its own statement; cosign verify-attestation accepts it; a re-run adds no layer', async () => {
    const run = await newRun();
    const key = testKey();
    const args = ['--key', key.privateKeyFile, '--taskrun-storage', 'oci'];
    const result = await attest(run, args);
    expect(result.code, result.stderr).toBe(0);
    // The PipelineRun's attestation (SLSA v1.0) and, beside it, the build TaskRun's own (slsa/v1, the default:
    // SLSA v0.2); the other TaskRuns built no image.
    const statements = (await attLayers(run)).map((layer) => {
      const envelope = JSON.parse(layer.bytes.toString()) as { payload: string };
      return JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
    });
    expect(statements.map((s) => s.predicateType).sort()).toEqual([
      'https://slsa.dev/provenance/v0.2',
      'https://slsa.dev/provenance/v1',
    ]);
    const statement = statements.find((s) => s.predicateType === 'https://slsa.dev/provenance/v0.2');
    expect(statement.predicate.buildType).toBe('tekton.dev/v1/TaskRun');
    expect(statement.predicate.invocation.environment.labels['tekton.dev/pipelineTask']).toBe('build');
    expect(statement.subject).toEqual([
      { name: `${registry.host}/${run.repository}`, digest: { sha256: run.digest.slice('sha256:'.length) } },
    ]);
    const verified = await runCosign([
      'verify-attestation',
      '--type',
      'slsaprovenance',
      '--key',
      key.publicKeyFile,
      '--insecure-ignore-tlog',
      '--allow-insecure-registry',
      ref(run),
    ]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(result.stderr).toMatch(/oci \(TaskRun app-build-\d+-build\)\s+OK/);
    // Runs without images: nothing to attach, still OK (as the PipelineRun's oci backend says).
    expect(result.stderr).toMatch(/oci \(TaskRun app-build-\d+-clone\)\s+OK\s+no image subject/);

    expect((await attest(run, args)).code).toBe(0);
    expect(await attLayers(run)).toHaveLength(2);
  });
});

describe('--transparency typed without a value (built CLI)', () => {
  it('logs the attestation, as a user typing it means (a bare flag used to be silently off)', async () => {
    const key = testKey();
    const run = await newRun();
    const before = sigstore.entries.length;
    const result = await attest(run, [
      '--key',
      key.privateKeyFile,
      '--rekor-url',
      sigstore.rekorUrl,
      '--transparency',
    ]);
    expect(result.code, result.stderr).toBe(0);
    // The attestation and the image signature (on by default).
    expect(sigstore.entries.length).toBe(before + 2);
    const [layer] = await attLayers(run);
    checkRekorBundle(layer!, key.publicKeyPem);
    const [sig] = await sigLayers(run);
    checkSigBundle(sig!, key.publicKeyPem);
  });

  it('an empty TEKTON_ATTEST_TRANSPARENCY (a Task param left empty) still means unset: nothing logged', async () => {
    const key = testKey();
    const run = await newRun();
    const before = sigstore.entries.length;
    const result = await attest(run, ['--key', key.privateKeyFile, '--rekor-url', sigstore.rekorUrl], {
      TEKTON_ATTEST_TRANSPARENCY: '',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(sigstore.entries.length).toBe(before);
    const [layer] = await attLayers(run);
    expect(layer?.annotations['dev.sigstore.cosign/bundle']).toBeUndefined();
  });
});

describe('--oci-encoding sigstore-bundle, keyless (built CLI)', () => {
  it('writes a referrer bundle that cosign verifies with the identity and the tlog', async () => {
    const run = await newRun();
    const token = sigstore.writeToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT });
    const result = await attest(run, [...keylessArgs(token), '--oci-encoding', 'sigstore-bundle']);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const verified = await cosignVerify('verify-attestation', run, [
      ...identity(),
      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(verified.stderr).toContain('Existence of the claims in the transparency log was verified');
    expect(verified.code).toBe(0);
  });
});

describe('tekton-attest verify with identities and the transparency log (built CLI)', () => {
  let keyless: Run;
  let keySigned: Run;
  let unlogged: Run;
  let bundled: Run;
  const key = testKey();
  beforeAll(async () => {
    [keyless, keySigned, unlogged, bundled] = [
      await newRun(),
      await newRun(),
      await newRun(),
      await newRun(),
    ];
    const token = () => sigstore.writeToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT });
    const results = [
      await attest(keyless, keylessArgs(token())),
      await attest(keySigned, [
        '--key',
        key.privateKeyFile,
        '--transparency',
        'true',
        '--rekor-url',
        sigstore.rekorUrl,
      ]),
      await attest(unlogged, ['--key', key.privateKeyFile]),
      await attest(bundled, [...keylessArgs(token()), '--oci-encoding', 'sigstore-bundle']),
    ];
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
  });

  const verifyCli = (run: Run, args: string[]) =>
    runCli([
      'verify',
      ref(run),
      '--insecure-registry',
      registry.host,
      '--type',
      'slsaprovenance1',
      '--summary',
      ...args,
    ]);

  it('accepts the keyless .att layer for its identity, checking the certificate and the log entry', async () => {
    const result = await verifyCli(keyless, [...identity(), '--trusted-root', sigstore.trustedRootPath]);
    expect(result.stderr).toContain('verified 1 of 1 attestations');
    expect(result.stdout).toMatch(new RegExp(`OK +\\.att .* \\(${SAN} rekor#\\d+\\)`));
    expect(result.code).toBe(0);
  });

  it('accepts an identity regexp, and refuses another identity, issuer or trusted root', async () => {
    const regexp = await verifyCli(keyless, [
      '--certificate-identity-regexp',
      `^https://kubernetes\\.io/namespaces/${NAMESPACE}/`,
      '--certificate-oidc-issuer',
      sigstore.issuer,
      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(regexp.code).toBe(0);
    const otherSa = await verifyCli(keyless, [
      ...identity(`https://kubernetes.io/namespaces/${NAMESPACE}/serviceaccounts/default`),
      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(otherSa.code).toBe(1);
    expect(otherSa.stdout).toContain(`the certificate identity is ${SAN}`);
    const otherIssuer = await verifyCli(keyless, [
      ...identity(SAN, 'https://accounts.google.com'),
      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(otherIssuer.code).toBe(1);
    expect(otherIssuer.stdout).toContain(`issuer is ${sigstore.issuer}, not https://accounts.google.com`);
    const otherRoot = await verifyCli(keyless, [
      ...identity(),
      '--trusted-root',
      otherSigstore.trustedRootPath,
    ]);
    expect(otherRoot.code).toBe(1);
  });

  it('refuses keyless verification without an identity (usage error)', async () => {
    const result = await verifyCli(keyless, ['--trusted-root', sigstore.trustedRootPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('keyless verification (no --key) needs the identity to trust');
  });

  it('accepts a key-signed, logged attestation with --key and the trusted root, not with another root', async () => {
    const ok = await verifyCli(keySigned, [...keyAndRoot(key.publicKeyFile, sigstore.trustedRootPath)]);
    expect(ok.stdout).toMatch(/OK +\.att .*rekor#\d+/);
    expect(ok.code).toBe(0);
    const otherRoot = await verifyCli(keySigned, [
      ...keyAndRoot(key.publicKeyFile, otherSigstore.trustedRootPath),
    ]);
    expect(otherRoot.code).toBe(1);
    expect(otherRoot.stdout).toContain('inclusion promise could not be verified');
  });

  it('requires a log entry unless --insecure-ignore-tlog', async () => {
    const strict = await verifyCli(unlogged, [...keyAndRoot(key.publicKeyFile, sigstore.trustedRootPath)]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('has no transparency-log entry');
    const lax = await verifyCli(unlogged, ['--key', key.publicKeyFile, '--insecure-ignore-tlog']);
    expect(lax.code).toBe(0);
  });

  it('accepts the keyless sigstore bundle referrer', async () => {
    const result = await verifyCli(bundled, [...identity(), '--trusted-root', sigstore.trustedRootPath]);
    expect(result.stdout).toMatch(new RegExp(`OK +bundle .* \\(${SAN} rekor#\\d+\\)`));
    expect(result.code).toBe(0);
  });

  it('refuses a layer whose Rekor bundle belongs to another attestation (so does cosign)', async () => {
    // Move the keyless run's Rekor bundle onto the key-signed run's layer, as a forger would.
    const http = new RegistryHttp(access);
    const tag = `${keySigned.digest.replace(':', '-')}.att`;
    const found = await http.manifest(keySigned.repository, tag);
    const manifest = JSON.parse(found!.bytes.toString('utf8')) as {
      layers: { annotations: Record<string, string> }[];
    };
    const [donor] = await attLayers(keyless);
    manifest.layers[0]!.annotations['dev.sigstore.cosign/bundle'] =
      donor!.annotations['dev.sigstore.cosign/bundle']!;
    await http.putManifest(keySigned.repository, tag, manifest);
    const ours = await verifyCli(keySigned, [...keyAndRoot(key.publicKeyFile, sigstore.trustedRootPath)]);
    expect(ours.code).toBe(1);
    expect(ours.stdout).toMatch(/FAIL +\.att .*\n.*tlog entry signature mismatch/);
    const cosign = await cosignVerify('verify-attestation', keySigned, [
      '--key',
      key.publicKeyFile,

      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(cosign.code).not.toBe(0);
  });
});

describe('a private Fulcio and Rekor behind an internal CA (built CLI)', () => {
  let internal: SigstoreStack;
  beforeAll(async () => {
    internal = await startSigstore({ tls: true });
  });
  afterAll(async () => {
    await internal?.stop();
  });

  const argsFor = (token: string) => [
    '--signer',
    'keyless',
    '--identity-token-file',
    token,
    '--fulcio-url',
    internal.fulcioUrl,
    '--transparency',
    'true',
    '--rekor-url',
    internal.rekorUrl,
  ];

  it('fails naming Fulcio when its CA is not trusted, and works with NODE_EXTRA_CA_CERTS', async () => {
    const token = internal.writeToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT });
    const untrusted = await attest(await newRun(), argsFor(token));
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain(`Fulcio at ${internal.fulcioUrl} unreachable after 4 attempts`);
    expect(untrusted.stderr).toMatch(/certificate/i);
    expect(untrusted.stderr).toContain(`the TLS certificate of ${internal.fulcioUrl} is not trusted`);
    expect(untrusted.stderr).toContain('NODE_EXTRA_CA_CERTS');

    const run = await newRun();
    const trusted = await attest(run, argsFor(token), { NODE_EXTRA_CA_CERTS: internal.caFile });
    expect(trusted.stderr).not.toMatch(/error/i);
    expect(trusted.code).toBe(0);
    expect(internal.fulcioUrl).toMatch(/^https:/);
    const [layer] = await attLayers(run);
    expect(layer?.annotations['dev.sigstore.cosign/bundle']).toContain('SignedEntryTimestamp');
    // The attestation (dsse) and the image signature (hashedrekord, on by default).
    expect(internal.entries.map((e) => e.body.kind)).toEqual(['dsse', 'hashedrekord']);
  });
});

describe('--sign-images: image signatures in the transparency log (built CLI)', () => {
  const key = testKey();
  const ed25519KeyFile = () => {
    const file = join(dir, 'ed25519.pem');
    writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
    return file;
  };
  const keyArgs = (transparency: string) => [
    '--key',
    key.privateKeyFile,
    '--transparency',
    transparency,
    '--rekor-url',
    sigstore.rekorUrl,
    '--sign-images',
  ];
  const verifySignatures = (image: Image, args: string[]) =>
    runCli(['verify', ref(image), '--signature', '--insecure-registry', registry.host, '--summary', ...args]);
  const LOGGED = 'Existence of the claims in the transparency log was verified offline';

  describe('key-signed, --transparency true, two image subjects', () => {
    let run: Run;
    let result: Awaited<ReturnType<typeof runCli>>;
    let logged: number;
    beforeAll(async () => {
      run = await newRun({}, 1);
      const before = hashedRekords().length;
      result = await attest(run, [...keyArgs('true'), '--deep-inspection']);
      logged = hashedRekords().length - before;
    });

    it("logs one hashedrekord entry per subject, carried by that subject's .sig layer", async () => {
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      expect(run.images).toHaveLength(2);
      expect(logged).toBe(2);
      const indexes: number[] = [];
      for (const image of run.images) {
        const layers = await sigLayers(image);
        expect(layers).toHaveLength(1);
        const { logIndex } = checkSigBundle(layers[0]!, key.publicKeyPem);
        expect(hashedRekords().map((e) => e.logIndex)).toContain(logIndex);
        indexes.push(logIndex);
        const [att] = await attLayers(image);
        checkRekorBundle(att!, key.publicKeyPem);
      }
      expect(new Set(indexes).size).toBe(2);
    });

    it('cosign verify --key accepts every image signature with the log checked, not with another log', async () => {
      for (const image of run.images) {
        const verified = await cosignVerify('verify', image, [
          ...keyAndRoot(key.publicKeyFile, sigstore.trustedRootPath),
        ]);
        expect(verified.stderr).toContain(LOGGED);
        expect(verified.code, verified.stderr).toBe(0);
      }
      const withEnvKey = await cosignVerify('verify', run, ['--key', key.publicKeyFile], {
        SIGSTORE_REKOR_PUBLIC_KEY: sigstore.rekorPublicKeyPemPath,
      });
      expect(withEnvKey.stderr).toContain(LOGGED);
      expect(withEnvKey.code, withEnvKey.stderr).toBe(0);
      const otherLog = await cosignVerify('verify', run, [
        ...keyAndRoot(key.publicKeyFile, otherSigstore.trustedRootPath),
      ]);
      expect(otherLog.code).not.toBe(0);
    });

    it('tekton-attest verify --signature checks the entry in the bundle annotation', async () => {
      const ok = await verifySignatures(run, [...keyAndRoot(key.publicKeyFile, sigstore.trustedRootPath)]);
      expect(ok.stdout).toMatch(/OK +\.sig .*\(key rekor#\d+\)/);
      expect(ok.code).toBe(0);
      const otherLog = await verifySignatures(run, [
        ...keyAndRoot(key.publicKeyFile, otherSigstore.trustedRootPath),
      ]);
      expect(otherLog.stdout).toMatch(/FAIL +\.sig /);
      expect(otherLog.code).toBe(1);
    });

    it('a re-run logs no new image signature entry and adds no .sig layer', async () => {
      const before = hashedRekords().length;
      const again = await attest(run, [...keyArgs('true'), '--deep-inspection']);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('already holds this signature');
      expect(hashedRekords().length).toBe(before);
      for (const image of run.images) {
        const layers = await sigLayers(image);
        expect(layers).toHaveLength(1);
        checkSigBundle(layers[0]!, key.publicKeyPem);
      }
    });
  });

  it('sigstore-bundle, key-signed: a re-run logs no new image signature entry and adds no referrer', async () => {
    const run = await newRun();
    const args = [...keyArgs('true'), '--oci-encoding', 'sigstore-bundle'];
    const first = await attest(run, args);
    expect(first.code, first.stderr).toBe(0);
    const image = run.images[0]!;
    expect(imageSignatureEntries(image)).toHaveLength(1);
    const referrers = await referrerDigests(image);
    expect(referrers).toHaveLength(2);

    const again = await attest(run, args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('already has this https://sigstore.dev/cosign/sign/v1 bundle');
    expect(imageSignatureEntries(image)).toHaveLength(1);
    expect(await referrerDigests(image)).toEqual(referrers);
    const verified = await cosignVerify('verify', image, [
      ...keyAndRoot(key.publicKeyFile, sigstore.trustedRootPath),
    ]);
    expect(verified.stderr).toContain(LOGGED);
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('keyless: cosign verify accepts the image signature for the identity, with the log checked', async () => {
    const run = await newRun();
    const token = sigstore.writeToken({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT });
    const before = hashedRekords().length;
    const result = await attest(run, [...keylessArgs(token), '--sign-images']);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(hashedRekords().length - before).toBe(1);
    const [layer] = await sigLayers(run);
    const certificate = layer!.annotations['dev.sigstore.cosign/certificate'] ?? '';
    expect(new X509Certificate(certificate).subjectAltName).toBe(`URI:${SAN}`);
    checkSigBundle(layer!, certificate);
    const verified = await cosignVerify('verify', run, [
      ...identity(),
      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(verified.stderr).toContain(LOGGED);
    expect(verified.code, verified.stderr).toBe(0);
    const otherIdentity = await cosignVerify('verify', run, [
      ...identity(`https://kubernetes.io/namespaces/${NAMESPACE}/serviceaccounts/default`),
      '--trusted-root',
      sigstore.trustedRootPath,
    ]);
    expect(otherIdentity.code).not.toBe(0);
    const ours = await verifySignatures(run, [...identity(), '--trusted-root', sigstore.trustedRootPath]);
    expect(ours.stdout).toMatch(new RegExp(`OK +\\.sig .*\\(${SAN} rekor#\\d+\\)`));
    expect(ours.code).toBe(0);
  });

  it('--transparency false: nothing logged, no bundle annotation; a later logged run adds a logged layer', async () => {
    const run = await newRun();
    const before = sigstore.entries.length;
    expect((await attest(run, keyArgs('false'))).code).toBe(0);
    expect(sigstore.entries.length).toBe(before);
    const [unlogged] = await sigLayers(run);
    expect(unlogged?.annotations['dev.cosignproject.cosign/signature']).toBeTruthy();
    expect(unlogged?.annotations['dev.sigstore.cosign/bundle']).toBeUndefined();
    const strict = ['--key', key.publicKeyFile, '--trusted-root', sigstore.trustedRootPath];
    expect((await cosignVerify('verify', run, strict)).code).not.toBe(0);
    expect(
      (await cosignVerify('verify', run, ['--key', key.publicKeyFile, '--insecure-ignore-tlog'])).code,
    ).toBe(0);

    // The unlogged layer does not stand in for a logged one.
    expect((await attest(run, keyArgs('true'))).code).toBe(0);
    const layers = await sigLayers(run);
    expect(layers).toHaveLength(2);
    checkSigBundle(layers[1]!, key.publicKeyPem);
    const verified = await cosignVerify('verify', run, strict);
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('an Ed25519 key with --sign-images: refused before anything is logged or written (Rekor cannot take its .sig)', async () => {
    const run = await newRun();
    const before = sigstore.entries.length;
    const args = keyArgs('true');
    args[args.indexOf('--key') + 1] = ed25519KeyFile();
    const result = await attest(run, args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      '--sign-images with --transparency: an Ed25519 key cannot have image signatures (.sig) logged in Rekor',
    );
    expect(result.stderr).toContain('use an ECDSA P-256 key');
    // Neither the attestation's dsse entry nor any hashedrekord.
    expect(sigstore.entries.length).toBe(before);
    expect(await attLayers(run)).toEqual([]);
    expect(await sigLayers(run)).toEqual([]);
  });

  it('an Ed25519 key by default (no --sign-images): the attestation is logged and stored, image signatures skipped with the reason', async () => {
    const run = await newRun();
    const before = sigstore.entries.length;
    const args = keyArgs('true').filter((arg) => arg !== '--sign-images');
    args[args.indexOf('--key') + 1] = ed25519KeyFile();
    const result = await attest(run, args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/oci \(image signatures\)\s+OK\s+skipped for 1 image: an Ed25519 key/);
    expect(result.stderr).toContain('--sign-images=false to turn them off');
    expect(sigstore.entries.slice(before).map((e) => e.body.kind)).toEqual(['dsse']);
    expect(await attLayers(run)).toHaveLength(1);
    expect(await sigLayers(run)).toEqual([]);
  });

  it('an Ed25519 key with --taskrun-format tekton and --transparency: refused before the run is read (Rekor cannot take its raw signature)', async () => {
    const run = await newRun();
    const before = sigstore.entries.length;
    const args = keyArgs('true').filter((arg) => arg !== '--sign-images');
    args[args.indexOf('--key') + 1] = ed25519KeyFile();
    const result = await attest(run, [...args, '--taskrun-format', 'tekton', '--taskrun-storage', 'tekton']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--taskrun-format tekton with --transparency true: Rekor cannot log a raw Ed25519 signature',
    );
    expect(result.stderr).toContain('Nothing was logged or written');
    expect(sigstore.entries.length).toBe(before);
    expect(await attLayers(run)).toEqual([]);
    for (const taskRun of run.scenario.taskRuns) {
      const annotations =
        kube.object('taskruns', NAMESPACE, taskRun.metadata.name)?.metadata.annotations ?? {};
      expect(Object.keys(annotations).filter((k) => k.startsWith('chains.tekton.dev/'))).toEqual([]);
    }
  });

  it.each([
    { status: 400, says: 'answered HTTP 400' },
    { status: 503, says: 'kept failing after 4 attempts (HTTP 503' },
  ])(
    'Rekor refusing the image signature ($status): fails naming Rekor, writes no .sig; the logged attestation is stored',
    async ({ status, says }) => {
      const run = await newRun();
      const patches = kube.requestsFor({ verb: 'patch' }).length;
      sigstore.refuseKind('hashedrekord', status);
      let result: Awaited<ReturnType<typeof runCli>>;
      try {
        result = await attest(run, keyArgs('true'));
      } finally {
        sigstore.refuseKind(undefined);
      }
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Rekor at ${sigstore.rekorUrl} ${says}`);
      expect(result.stderr).toContain('1 of 3 storage backends failed: oci (image signatures)');
      // The attestation is its own write: its .att (with its log entry) is stored, the .sig is not.
      const [att] = await attLayers(run);
      checkRekorBundle(att!, key.publicKeyPem);
      expect(await sigLayers(run)).toEqual([]);
      // The tekton backend is independent of the registry: it still records the (logged) attestation.
      expect(kube.requestsFor({ verb: 'patch' }).length).toBeGreaterThan(patches);
    },
  );
});
