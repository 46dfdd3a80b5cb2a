// The `oci` backend in cosign's tag layout against real registries, checked by the independent checker.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../src/log.js';
import { RegistryClient } from '../../src/oci/client.js';
import { simpleSigningPayload } from '../../src/provenance/payloads.js';
import { signBlob } from '../../src/signing/sign-payload.js';
import { targetKey } from '../../src/storage/oci-subjects.js';
import { OciTagStorage } from '../../src/storage/oci-tag.js';
import {
  imageSubject,
  provenance,
  signed,
  storeWithImageSignatures,
  type TestKey,
  testKey,
} from '../harness/attestations.js';
import { checkAttestations, checkSignatures } from '../harness/cosign-checker.js';
import { type FaultProxy, startFaultProxy } from '../harness/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage, RegistryHttp } from '../harness/registry-http.js';
import { accessFor, clientFor, REGISTRY_VARIANTS } from '../harness/registry-variants.js';
import { repoRoot } from '../peers/versions.js';

/** What the independent checker is asked: `reference` in `repository` of `registry`, signed with `key`. */
function checkOf(registry: TestRegistry, key: TestKey, repository: string, reference: string) {
  return { access: accessFor(registry), repository, reference, publicKeyPem: key.publicKeyPem };
}

describe.each(REGISTRY_VARIANTS)('oci tag storage: $name registry', ({ options }) => {
  let registry: TestRegistry;
  let client: RegistryClient;
  const key: TestKey = testKey();
  beforeAll(async () => {
    registry = await startRegistry(options);
    client = clientFor(registry);
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('writes an .att layer cosign accepts, and a re-run adds nothing', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/app');
    const statement = provenance([imageSubject(registry.host, 'team/app', image.digest)]);
    const storage = new OciTagStorage({ client });
    const first = await storage.store(await signed(statement, key));
    const tag = `${registry.host}/team/app:${image.digest.replace(':', '-')}.att`;
    expect(first).toEqual({ backend: 'oci', ok: true, locations: [tag] });
    // A re-run signs the same statement again: the signature bytes differ, the attestation does not.
    const again = await storage.store(await signed(statement, key));
    expect(again.ok).toBe(true);
    expect(again.detail).toContain('already holds this attestation');
    const check = await checkAttestations({
      ...checkOf(registry, key, 'team/app', image.digest),
      type: 'slsaprovenance1',
    });
    expect(check.layers).toHaveLength(1);
    expect(check.verified).toHaveLength(1);
    expect(check.verified[0]?.statement).toEqual(statement);
  });

  it('appends a second attestation and writes image signatures', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/signed');
    const subject = imageSubject(registry.host, 'team/signed', image.digest);
    const storage = new OciTagStorage({ client });
    const outcome = await storeWithImageSignatures(
      storage,
      await signed(provenance([subject]), key),
      key.signer,
    );
    expect([outcome.attestation.ok, outcome.signatures.ok]).toEqual([true, true]);
    expect([...outcome.attestation.locations, ...outcome.signatures.locations]).toEqual([
      `${registry.host}/team/signed:${image.digest.replace(':', '-')}.att`,
      `${registry.host}/team/signed:${image.digest.replace(':', '-')}.sig`,
    ]);
    const rerun = await storeWithImageSignatures(
      storage,
      await signed(provenance([subject]), key),
      key.signer,
    );
    expect(rerun.signatures.detail).toContain('already holds this signature');
    const check = checkOf(registry, key, 'team/signed', image.digest);
    const atts = await checkAttestations({ ...check, type: 'slsaprovenance1' });
    expect(atts.verified).toHaveLength(2);
    const sigs = await checkSignatures(check);
    expect(sigs.layers).toHaveLength(1);
    expect(sigs.verified).toHaveLength(1);
  });
});

describe('oci tag storage: subjects, repositories and failures', () => {
  let registry: TestRegistry;
  let basic: TestRegistry;
  let proxy: FaultProxy;
  let client: RegistryClient;
  const key = testKey();
  const logs: string[] = [];
  beforeAll(async () => {
    [registry, basic] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
    proxy = await startFaultProxy(registry.url);
    client = new RegistryClient({
      insecureRegistries: [registry.host, proxy.host],
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
    });
    setLogSink((line) => logs.push(line));
  });
  afterAll(async () => {
    setLogSink((line) => process.stderr.write(`${line}\n`));
    await client?.close();
    await proxy?.stop();
    await Promise.all([registry?.stop(), basic?.stop()]);
  });

  it('skips subjects without a sha256 digest or that are not images, with a warning, and stores the rest', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/mixed');
    const statement = provenance([
      { name: `${registry.host}/team/other`, digest: { sha512: 'ab'.repeat(64) } },
      { name: 'https://example.com/releases/app.tar.gz', digest: { sha256: 'cd'.repeat(32) } },
      imageSubject(registry.host, 'team/mixed', image.digest),
    ]);
    const outcome = await new OciTagStorage({ client }).store(await signed(statement, key));
    expect(outcome.ok).toBe(true);
    expect(outcome.locations).toHaveLength(1);
    expect(outcome.detail).toContain(`subject ${registry.host}/team/other has no sha256 digest`);
    expect(outcome.detail).toContain('https://example.com/releases/app.tar.gz is not an image repository');
    expect(logs.some((l) => l.startsWith('warning: oci: subject') && l.includes('no sha256'))).toBe(true);
  });

  it('attaches to every image subject, mounting the envelope instead of uploading it twice', async () => {
    const one = await pushTestImage(accessFor(registry), 'team/one');
    const two = await pushTestImage(accessFor(registry), 'team/two');
    const statement = provenance([
      imageSubject(proxy.host, 'team/one', one.digest),
      imageSubject(proxy.host, 'team/two', two.digest),
    ]);
    const before = proxy.log.length;
    const outcome = await new OciTagStorage({ client }).store(await signed(statement, key));
    expect(outcome.ok, outcome.detail).toBe(true);
    expect(outcome.locations).toEqual([
      `${proxy.host}/team/one:${one.digest.replace(':', '-')}.att`,
      `${proxy.host}/team/two:${two.digest.replace(':', '-')}.att`,
    ]);
    expect(
      proxy.log
        .slice(before)
        .some((l) => l.includes('team/two/blobs/uploads/?mount=') && l.endsWith('-> 201')),
    ).toBe(true);
    for (const [repository, digest] of [
      ['team/one', one.digest],
      ['team/two', two.digest],
    ] as const) {
      const check = await checkAttestations({
        ...checkOf(registry, key, repository, digest),
        type: 'slsaprovenance1',
      });
      expect(check.verified).toHaveLength(1);
    }
  });

  it('writes a fresh attestation without asking for its new blobs first, its manifest after their uploads', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/pipelined');
    const statement = provenance([imageSubject(proxy.host, 'team/pipelined', image.digest)]);
    const before = proxy.log.length;
    const outcome = await new OciTagStorage({ client }).store(await signed(statement, key));
    expect(outcome.ok, outcome.detail).toBe(true);
    const log = proxy.log.slice(before);
    // The envelope and the config naming it are new: uploaded (POST, PUT) without a HEAD before them.
    expect(log.filter((l) => l.startsWith('HEAD'))).toEqual([]);
    const uploads = log.flatMap((l, i) => (/^PUT \S+blobs\/uploads\/.* -> 201$/.test(l) ? [i] : []));
    expect(uploads).toHaveLength(2);
    const manifestPut = log.findIndex((l) => /^PUT \S+\/manifests\/sha256-.*\.att -> 201$/.test(l));
    expect(manifestPut).toBeGreaterThan(Math.max(...uploads));
    const check = await checkAttestations({
      ...checkOf(registry, key, 'team/pipelined', image.digest),
      type: 'slsaprovenance1',
    });
    expect(check.verified).toHaveLength(1);
  });

  it('image signatures: reads the .sig tag once before appending (the look for an equivalent signature)', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/held');
    const statement = provenance([imageSubject(proxy.host, 'team/held', image.digest)]);
    const sigTag = `${image.digest.replace(':', '-')}.sig`;
    const before = proxy.log.length;
    const { signatures: outcome } = await storeWithImageSignatures(
      new OciTagStorage({ client }),
      await signed(statement, key),
      key.signer,
    );
    expect(outcome.ok, outcome.detail).toBe(true);
    const sigRequests = proxy.log
      .slice(before)
      .filter((l) => l.includes(`/manifests/${sigTag}`))
      .map((l) => l.split(' ')[0]);
    // The look (404), the read right before the write, the write, the read after the settle time.
    expect(sigRequests).toEqual(['GET', 'GET', 'PUT', 'GET']);
    const sigs = await checkSignatures(checkOf(registry, key, 'team/held', image.digest));
    expect(sigs.verified).toHaveLength(1);
  });

  it('a tag held from an earlier read that changed since is read again before the write, keeping the other layer', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/stale');
    const repo = { registry: proxy.host, repository: 'team/stale' };
    const tag = `${image.digest.replace(':', '-')}.sig`;
    const storage = new OciTagStorage({ client });
    const statement = provenance([imageSubject(proxy.host, 'team/stale', image.digest)]);
    const target = storage.targets(statement.subject)[0]!;
    const { body } = simpleSigningPayload({ repository: `${proxy.host}/team/stale`, digest: image.digest });
    // Held: the tag does not exist. Then another writer signs the image with another key.
    const query = { payload: body, publicKeyPem: key.publicKeyPem, logged: false };
    expect(await storage.findImageSignature(target, query)).toBeUndefined();
    const other = testKey();
    await storeWithImageSignatures(
      new OciTagStorage({ client }),
      await signed(statement, other),
      other.signer,
    );
    const signatures = new Map([[targetKey(target), { signed: await signBlob(body, key.signer) }]]);
    const written = await storage.storeImageSignatures(statement.subject, signatures);
    expect(written.ok, written.detail).toBe(true);
    const current = await client.getManifest(repo, tag);
    const layers = (JSON.parse(current!.bytes.toString('utf8')) as { layers: unknown[] }).layers;
    expect(layers).toHaveLength(2);
  });

  it('records the Rekor entry and the keyless certificate and chain as cosign annotations', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/annotated');
    const attestation = await signed(
      provenance([imageSubject(registry.host, 'team/annotated', image.digest)]),
      key,
    );
    attestation.tlogEntry = {
      logIndex: 42,
      logId: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d',
      integratedTime: 1700000000,
      signedEntryTimestamp: Buffer.from('set').toString('base64'),
      body: Buffer.from('{"kind":"dsse"}').toString('base64'),
      url: 'https://rekor.example/api/v1/log/entries?logIndex=42',
    };
    attestation.certificatePem = '-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n';
    attestation.chainPem = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
    expect((await new OciTagStorage({ client }).store(attestation)).ok).toBe(true);
    const http = new RegistryHttp(accessFor(registry));
    const manifest = await http.manifest('team/annotated', `${image.digest.replace(':', '-')}.att`);
    const layer = JSON.parse(manifest!.bytes.toString()).layers[0];
    expect(layer.mediaType).toBe('application/vnd.dsse.envelope.v1+json');
    expect(layer.annotations).toEqual({
      'dev.cosignproject.cosign/signature': '',
      predicateType: 'https://slsa.dev/provenance/v1',
      'dev.sigstore.cosign/bundle': JSON.stringify({
        SignedEntryTimestamp: attestation.tlogEntry.signedEntryTimestamp,
        Payload: {
          body: attestation.tlogEntry.body,
          integratedTime: 1700000000,
          logIndex: 42,
          logID: attestation.tlogEntry.logId,
        },
      }),
      'dev.sigstore.cosign/certificate': attestation.certificatePem,
      'dev.sigstore.cosign/chain': attestation.chainPem,
    });
    expect((await http.blob('team/annotated', layer.digest)).toString()).toBe(attestation.envelopeJson);
  });

  it('with no image subject at all, stores nothing and says so', async () => {
    const statement = provenance([{ name: 'pkg:npm/app@1.0.0', digest: { sha1: 'a'.repeat(40) } }]);
    const outcome = await new OciTagStorage({ client }).store(await signed(statement, key));
    expect(outcome).toMatchObject({ ok: true, locations: [] });
    expect(outcome.detail).toContain('nothing stored in a registry');
  });

  it('stores in --oci-repository instead of the image repository', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/elsewhere');
    const statement = provenance([imageSubject(registry.host, 'team/elsewhere', image.digest)]);
    const storage = new OciTagStorage({
      client,
      repository: { registry: registry.host, repository: 'attestations/store' },
    });
    const outcome = await storage.store(await signed(statement, key));
    expect(outcome.locations).toEqual([
      `${registry.host}/attestations/store:${image.digest.replace(':', '-')}.att`,
    ]);
    const check = await checkAttestations({
      ...checkOf(registry, key, 'team/elsewhere', image.digest),
      type: 'slsaprovenance1',
      storeRepository: 'attestations/store',
    });
    expect(check.verified).toHaveLength(1);
  });

  it('survives a registry that fails mid-upload (500s and connection resets)', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/flaky');
    proxy.addFault({ kind: 'reset-mid-body', method: 'PUT', path: /blobs\/uploads/ });
    proxy.addFault({ kind: '500', method: 'PUT', path: /blobs\/uploads/ });
    proxy.addFault({ kind: '500', method: 'PUT', path: /manifests\/sha256-.*\.att/, times: 2 });
    proxy.addFault({ kind: 'reset-mid-body', method: 'PUT', path: /manifests\/sha256-.*\.att/ });
    proxy.addFault({ kind: '503', method: 'GET', path: /manifests\/sha256-.*\.att/ });
    const statement = provenance([imageSubject(proxy.host, 'team/flaky', image.digest)]);
    const outcome = await new OciTagStorage({ client }).store(await signed(statement, key));
    expect(outcome.ok).toBe(true);
    expect(proxy.pending()).toBe(0);
    const check = await checkAttestations({
      ...checkOf(registry, key, 'team/flaky', image.digest),
      type: 'slsaprovenance1',
    });
    expect(check.verified).toHaveLength(1);
    expect(check.duplicates).toEqual([]);
  });

  it('reports refused credentials as a failed outcome naming the registry, never the password', async () => {
    const image = await pushTestImage(
      { url: basic.url, username: 'writer', password: basic.users.writer!.password },
      'team/locked',
    );
    const badClient = clientFor(basic, 'writer', 'not-the-password-42');
    const statement = provenance([imageSubject(basic.host, 'team/locked', image.digest)]);
    const outcome = await new OciTagStorage({ client: badClient }).store(await signed(statement, key));
    await badClient.close();
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toContain(basic.host);
    expect(outcome.detail).toContain('team/locked');
    expect(outcome.detail).toContain('config.json');
    expect(outcome.detail).not.toContain('not-the-password-42');
  });
});

describe('oci tag storage: concurrent writers', () => {
  let registry: TestRegistry;
  let writer: string;
  beforeAll(async () => {
    registry = await startRegistry();
    const dir = mkdtempSync(join(tmpdir(), 'tekton-attest-writer-'));
    writer = join(dir, 'oci-writer.mjs');
    await build({
      entryPoints: [join(repoRoot, 'test/harness/oci-writer.ts')],
      outfile: writer,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'error',
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  function runWriter(input: object): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [writer], {
        env: { ...process.env, OCI_WRITER: JSON.stringify(input) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('10 processes attesting one image at once all end up in .att (10 layers, none lost)', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/busy');
    const key = testKey();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        runWriter({
          host: registry.host,
          repository: 'team/busy',
          digest: image.digest,
          privateKeyFile: key.privateKeyFile,
          nonce: `writer-${i}`,
        }),
      ),
    );
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).outcome.ok).toBe(true);
    }
    const check = await checkAttestations({
      ...checkOf(registry, key, 'team/busy', image.digest),
      type: 'slsaprovenance1',
    });
    expect(check.layers).toHaveLength(10);
    expect(check.verified).toHaveLength(10);
    const ids = check.verified.map((v) => {
      const predicate = v.statement?.predicate as { runDetails?: { metadata?: { invocationID?: string } } };
      return predicate?.runDetails?.metadata?.invocationID;
    });
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `test-writer-${i}`)));
  });
});
