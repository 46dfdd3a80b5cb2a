// `tekton-attest verify` (the built CLI) against real registries holding what the oci backends wrote,
// hand-made broken layers, and cosign's own download output.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/oci/client.js';
import { dockerConfigSources } from '../../src/oci/docker-config.js';
import { PREDICATE_SLSA_V02, STATEMENT_V01 } from '../../src/provenance/statement.js';
import { envelopePayload } from '../../src/signing/dsse.js';
import { OciReferrerStorage } from '../../src/storage/oci-referrer.js';
import { OciTagStorage } from '../../src/storage/oci-tag.js';
import { parseDownloadedAttestations } from '../../src/verify/reader.js';
import { verifySignatureMaterial } from '../../src/verify/sigstore.js';
import { checkStatement } from '../../src/verify/statement.js';
import {
  imageSubject,
  provenance,
  signed,
  storeWithImageSignatures,
  testKey,
} from '../harness/attestations.js';
import { FakeKube } from '../harness/fake-kube.js';
import { startProxy } from '../harness/http-proxy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { OCI_MANIFEST, pushTestImage, RegistryHttp, sha256 } from '../harness/registry-http.js';
import { runCli } from '../harness/run-built-cli.js';
import { runCosign } from '../peers/cosign.js';

const key = testKey();

/** Control characters other than line breaks (C0, DEL, C1, bidi overrides) found raw in a text. */
function rawControls(text: string): string[] {
  return [...text].filter((char) => {
    const code = char.codePointAt(0) ?? 0;
    return (
      (code < 0x20 && char !== '\n') || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e)
    );
  });
}
const otherKey = testKey();

describe('tekton-attest verify', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let insecure: string[];
  let image: { digest: string; reference: string };
  let tagRef: string;
  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ insecureRegistries: [registry.host] });
    insecure = ['--insecure-registry', registry.host];
    image = await pushTestImage({ url: registry.url }, 'team/app', 'v1');
    tagRef = `${registry.host}/team/app:v1`;
    const subject = imageSubject(registry.host, 'team/app', image.digest);
    const storage = new OciTagStorage({ client });
    const attestation = await signed(provenance([subject]), key);
    const stored = await storeWithImageSignatures(storage, attestation, key.signer);
    expect([stored.attestation.ok, stored.signatures.ok]).toEqual([true, true]);
    // A second attestation by another key: verify must report it as not verifying, and still pass.
    expect(
      (await new OciTagStorage({ client }).store(await signed(provenance([subject]), otherKey))).ok,
    ).toBe(true);
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('prints the verified statements and says why the other layer failed', async () => {
    const result = await runCli([
      'verify',
      tagRef,
      '--key',
      key.publicKeyFile,
      '--type',
      'slsaprovenance1',
      '--insecure-ignore-tlog',
      ...insecure,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const statement = JSON.parse(lines[0] ?? '{}');
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.subject[0].digest.sha256).toBe(image.digest.slice('sha256:'.length));
    expect(result.stderr).toMatch(/layer 2 .*signature/i);
    expect(result.stderr).toContain('verified 1 of 2 attestations');
  });

  it('reaches the registry through HTTPS_PROXY/HTTP_PROXY, as docker does', async () => {
    const proxy = await startProxy();
    try {
      const result = await runCli(
        ['verify', tagRef, '--key', key.publicKeyFile, '--insecure-ignore-tlog', ...insecure],
        { env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '', no_proxy: undefined } },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('verified 1 of 2 attestations');
      expect(proxy.targets.length).toBeGreaterThan(0);
      expect(new Set(proxy.targets)).toEqual(new Set([registry.host]));
    } finally {
      await proxy.stop();
    }
  });

  it('--summary prints one line per stored attestation', async () => {
    const result = await runCli([
      'verify',
      tagRef,
      '--key',
      key.publicKeyFile,
      '--insecure-ignore-tlog',
      '--summary',
      ...insecure,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${registry.host}/team/app@${image.digest}`);
    expect(result.stdout).toMatch(/OK {3}\.att .*layer 1 .*https:\/\/slsa\.dev\/provenance\/v1 \(key\)/);
    expect(result.stdout).toMatch(/FAIL \.att .*layer 2/);
    expect(result.stdout).toContain('1 of 2 attestations verified');
  });

  it('fails (exit 1) with the reason per layer when nothing verifies', async () => {
    const wrongType = await runCli([
      'verify',
      tagRef,
      '--key',
      key.publicKeyFile,
      '--type',
      'slsaprovenance',
      '--insecure-ignore-tlog',
      ...insecure,
    ]);
    expect(wrongType.code).toBe(1);
    expect(wrongType.stderr).toContain('none of the 2 attestations stored');
    expect(wrongType.stderr).toContain(
      'predicateType is https://slsa.dev/provenance/v1, not https://slsa.dev/provenance/v0.2',
    );
    const noTlog = await runCli(['verify', tagRef, '--key', key.publicKeyFile, ...insecure]);
    expect(noTlog.code).toBe(1);
    expect(noTlog.stderr).toContain('no transparency-log entry');
    expect(noTlog.stderr).toContain('--insecure-ignore-tlog');
    const unknownType = await runCli([
      'verify',
      tagRef,
      '--key',
      key.publicKeyFile,
      '--type',
      'nonsense',
      ...insecure,
    ]);
    expect(unknownType.code).toBe(2);
  });

  it('--signature verifies the .sig image signature', async () => {
    const ok = await runCli([
      'verify',
      tagRef,
      '--signature',
      '--key',
      key.publicKeyFile,
      '--insecure-ignore-tlog',
      ...insecure,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout.trim())).toMatchObject({
      image: `${registry.host}/team/app@${image.digest}`,
      verified: true,
    });
    const wrongKey = await runCli([
      'verify',
      tagRef,
      '--signature',
      '--key',
      otherKey.publicKeyFile,
      '--insecure-ignore-tlog',
      ...insecure,
    ]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('does not verify with --key');
  });

  it('an image with nothing stored fails clearly', async () => {
    const bare = await pushTestImage({ url: registry.url }, 'team/bare');
    const result = await runCli([
      'verify',
      bare.reference,
      '--key',
      key.publicKeyFile,
      '--insecure-ignore-tlog',
      ...insecure,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no attestation is stored for ${registry.host}/team/bare@${bare.digest}`);
  });

  it('rejects a layer without the cosign signature annotation, as cosign does', async () => {
    const target = await pushTestImage({ url: registry.url }, 'team/tampered');
    const attestation = await signed(
      provenance([imageSubject(registry.host, 'team/tampered', target.digest)]),
      key,
    );
    const http = new RegistryHttp({ url: registry.url });
    const layer = Buffer.from(attestation.envelopeJson);
    const config = Buffer.from('{}');
    await http.putBlob('team/tampered', layer);
    await http.putBlob('team/tampered', config);
    await http.putManifest('team/tampered', `${target.digest.replace(':', '-')}.att`, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: 2 },
      layers: [
        { mediaType: 'application/vnd.dsse.envelope.v1+json', digest: sha256(layer), size: layer.length },
      ],
    });
    const result = await runCli([
      'verify',
      target.reference,
      '--key',
      key.publicKeyFile,
      '--insecure-ignore-tlog',
      ...insecure,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no dev.cosignproject.cosign/signature annotation');
  });

  it('escapes control bytes from registry content in --summary, the JSON lines and the reasons', async () => {
    const target = await pushTestImage({ url: registry.url }, 'team/hostile');
    const subject = imageSubject(registry.host, 'team/hostile', target.digest);
    const controls = '\u001b[2J\u009b31m\r\u202e\n  OK   .att   forged';
    const storage = new OciTagStorage({ client });
    const hostileType = {
      ...provenance([subject]),
      predicateType: `https://slsa.dev/provenance/v1${controls}`,
    };
    expect((await storage.store(await signed(hostileType, key))).ok).toBe(true);
    const notAStatement = { ...provenance([subject]), _type: `https://in-toto.io/Statement/v9${controls}` };
    expect((await new OciTagStorage({ client }).store(await signed(notAStatement, key))).ok).toBe(true);
    const args = [
      'verify',
      target.reference,
      '--key',
      key.publicKeyFile,
      '--insecure-ignore-tlog',
      ...insecure,
    ];

    const summary = await runCli([...args, '--summary']);
    expect(summary.code, summary.stderr).toBe(0);
    expect(rawControls(summary.stdout)).toEqual([]);
    expect(summary.stdout.split('\n').filter((line) => line.startsWith('  OK'))).toHaveLength(1);
    expect(summary.stdout).toContain('\\x1b[2J\\x9b31m\\r\\u{202e}\\n  OK   .att   forged');

    const lines = await runCli(args);
    expect(lines.code, lines.stderr).toBe(0);
    expect(rawControls(lines.stdout)).toEqual([]);
    expect(JSON.parse(lines.stdout.trim()).predicateType).toBe(hostileType.predicateType);
    expect(rawControls(lines.stderr)).toEqual([]);
    expect(lines.stderr.split('\n').filter((line) => line.startsWith('  OK'))).toEqual([]);
  });

  it('reads sigstore bundle referrers and --oci-repository', async () => {
    const target = await pushTestImage({ url: registry.url }, 'team/bundled');
    const statement = {
      ...provenance([imageSubject(registry.host, 'team/bundled', target.digest)]),
      _type: STATEMENT_V01,
      predicateType: PREDICATE_SLSA_V02,
    };
    const storage = new OciReferrerStorage({
      client,
      repository: { registry: registry.host, repository: 'store/sigs' },
    });
    expect((await storage.store(await signed(statement, key))).ok).toBe(true);
    const args = [
      'verify',
      target.reference,
      '--key',
      key.publicKeyFile,
      '--insecure-ignore-tlog',
      '--summary',
      ...insecure,
    ];
    const elsewhere = await runCli([
      ...args,
      '--type',
      'slsaprovenance02',
      '--oci-repository',
      `${registry.host}/store/sigs`,
    ]);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(elsewhere.stdout).toMatch(/OK {3}bundle .*https:\/\/slsa\.dev\/provenance\/v0\.2/);
    const notHere = await runCli(args);
    expect(notHere.code).toBe(1);
  });

  it('parses `cosign download attestation` output with the same reader and checks', async () => {
    const result = await runCosign(['download', 'attestation', '--allow-http-registry', tagRef]);
    expect(result.code, result.stderr).toBe(0);
    const materials = parseDownloadedAttestations(result.stdout);
    expect(materials).toHaveLength(2);
    const outcomes = await Promise.all(
      materials.map(async (material) => {
        try {
          await verifySignatureMaterial(material, {
            publicKeyPem: key.publicKeyPem,
            identity: {},
            ignoreTlog: true,
            trustedRoot: () => Promise.reject(new Error('not needed')),
          });
          return checkStatement(
            envelopePayload(material.envelope),
            image.digest,
            'https://slsa.dev/provenance/v1',
            material.source,
          );
        } catch {
          return undefined;
        }
      }),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });
});

describe('tekton-attest verify: credentials and keys from elsewhere', () => {
  let registry: TestRegistry;
  let kube: FakeKube;
  let image: { digest: string; reference: string };
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
    kube = await FakeKube.start();
    const login = { url: registry.url, username: 'writer', password: registry.users.writer!.password };
    image = await pushTestImage(login, 'team/private');
    const client = new RegistryClient({
      credentials: dockerConfigSources({
        dockerConfigDir: registry.dockerConfig('writer'),
        env: {},
        home: '/nonexistent',
      }),
      insecureRegistries: [registry.host],
    });
    const statement = provenance([imageSubject(registry.host, 'team/private', image.digest)]);
    expect((await new OciTagStorage({ client }).store(await signed(statement, key))).ok).toBe(true);
    await client.close();
  });
  afterAll(async () => {
    await kube?.close();
    await registry?.stop();
  });

  it('reads through a Bearer-token registry with --docker-config, and names the source on a bad login', async () => {
    const base = [
      'verify',
      image.reference,
      '--key',
      key.publicKeyFile,
      '--insecure-ignore-tlog',
      '--insecure-registry',
      registry.host,
    ];
    const ok = await runCli([...base, '--docker-config', registry.dockerConfig('reader')]);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await runCli([
      ...base,
      '--docker-config',
      registry.dockerConfig('reader', 'wrong-pass-for-reader'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`pull from ${registry.host}/team/private`);
    expect(bad.stderr).toContain('config.json');
    expect(bad.stderr).not.toContain('wrong-pass-for-reader');
  });

  it('--key k8s://NS/SECRET reads cosign.pub through the Kubernetes API', async () => {
    kube.add({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'signing-secrets', namespace: 'tekton-chains' },
      type: 'Opaque',
      data: { 'cosign.pub': Buffer.from(key.publicKeyPem).toString('base64') },
    });
    const dir = mkdtempSync(join(tmpdir(), 'verify-kube-'));
    const kubeconfig = await kube.writeKubeconfig(dir);
    const dockerConfig = registry.dockerConfig('reader');
    const result = await runCli([
      'verify',
      image.reference,
      '--key',
      'k8s://tekton-chains/signing-secrets',
      '--kubeconfig',
      kubeconfig,
      '--insecure-ignore-tlog',
      '--insecure-registry',
      registry.host,
      '--docker-config',
      dockerConfig,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(kube.requestsFor({ resource: 'secrets', name: 'signing-secrets' })).toHaveLength(1);
  });
});
