// The real cosign CLI (test/peers/cosign.ts) verifying what the oci backends push: `.att` and `.sig` in the tag
// layout, and sigstore bundles as OCI 1.1 referrers (distribution 2.8 has no referrers API: fallback tag).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/oci/client.js';
import { dockerConfigSources } from '../../src/oci/docker-config.js';
import { OciReferrerStorage } from '../../src/storage/oci-referrer.js';
import { OciTagStorage } from '../../src/storage/oci-tag.js';
import {
  imageSubject,
  provenance,
  signed,
  storeWithImageSignatures,
  testKey,
} from '../harness/attestations.js';
import { checkBundles } from '../harness/cosign-checker.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage } from '../harness/registry-http.js';
import { runCosign } from '../peers/cosign.js';

const key = testKey();

describe('cosign accepts the tag layout', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ insecureRegistries: [registry.host] });
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('cosign verify-attestation --type slsaprovenance1 accepts our .att, and rejects the v0.2 type', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/cosign-att', 'v1');
    const statement = provenance([imageSubject(registry.host, 'team/cosign-att', image.digest)]);
    const outcome = await new OciTagStorage({ client }).store(await signed(statement, key));
    expect(outcome.ok).toBe(true);
    const ref = `${registry.host}/team/cosign-att:v1`;
    const common = ['--key', key.publicKeyFile, '--insecure-ignore-tlog', '--allow-http-registry'];
    const ok = await runCosign(['verify-attestation', ...common, '--type', 'slsaprovenance1', ref]);
    expect(ok.code, ok.stderr).toBe(0);
    const envelope = JSON.parse(ok.stdout.trim().split('\n')[0] ?? '{}') as { payload: string };
    expect(JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'))).toEqual(statement);
    const wrongType = await runCosign(['verify-attestation', ...common, '--type', 'slsaprovenance', ref]);
    expect(wrongType.code).not.toBe(0);
  });

  it('cosign verify accepts our .sig image signature', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/cosign-sig', 'v1');
    const statement = provenance([imageSubject(registry.host, 'team/cosign-sig', image.digest)]);
    const { signatures } = await storeWithImageSignatures(
      new OciTagStorage({ client }),
      await signed(statement, key),
      key.signer,
    );
    expect(signatures.ok, signatures.detail).toBe(true);
    const result = await runCosign([
      'verify',
      '--key',
      key.publicKeyFile,
      '--insecure-ignore-tlog',
      '--allow-http-registry',
      `${registry.host}/team/cosign-sig@${image.digest}`,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const [claims] = JSON.parse(result.stdout) as {
      critical: { image: { 'docker-manifest-digest': string } };
    }[];
    expect(claims?.critical.image['docker-manifest-digest']).toBe(image.digest);
  });

  it('cosign finds the attestation through registry credentials from a docker config (Basic auth)', async () => {
    const basic = await startRegistry({ auth: 'basic' });
    try {
      const login = { url: basic.url, username: 'writer', password: basic.users.writer!.password };
      const image = await pushTestImage(login, 'team/private');
      const dockerConfig = basic.dockerConfig('writer');
      const authed = new RegistryClient({
        credentials: dockerConfigSources({ dockerConfigDir: dockerConfig, env: {}, home: '/nonexistent' }),
        insecureRegistries: [basic.host],
      });
      const statement = provenance([imageSubject(basic.host, 'team/private', image.digest)]);
      expect((await new OciTagStorage({ client: authed }).store(await signed(statement, key))).ok).toBe(true);
      await authed.close();
      const result = await runCosign(
        [
          'verify-attestation',
          '--key',
          key.publicKeyFile,
          '--type',
          'slsaprovenance1',
          '--insecure-ignore-tlog',
          '--allow-http-registry',
          `${basic.host}/team/private@${image.digest}`,
        ],
        { env: { DOCKER_CONFIG: dockerConfig } },
      );
      expect(result.code, result.stderr).toBe(0);
    } finally {
      await basic.stop();
    }
  });

  it('cosign verify-attestation over TLS with the test CA (--registry-cacert)', async () => {
    const tls = await startRegistry({ tls: true });
    try {
      const ca = readFileSync(tls.caFile!);
      const image = await pushTestImage({ url: tls.url, ca }, 'team/tls');
      const tlsClient = new RegistryClient({ registryCaFiles: [tls.caFile!] });
      const statement = provenance([imageSubject(tls.host, 'team/tls', image.digest)]);
      expect((await new OciTagStorage({ client: tlsClient }).store(await signed(statement, key))).ok).toBe(
        true,
      );
      await tlsClient.close();
      const result = await runCosign([
        'verify-attestation',
        '--key',
        key.publicKeyFile,
        '--type',
        'slsaprovenance1',
        '--insecure-ignore-tlog',
        '--registry-cacert',
        tls.caFile!,
        `${tls.host}/team/tls@${image.digest}`,
      ]);
      expect(result.code, result.stderr).toBe(0);
    } finally {
      await tls.stop();
    }
  });
});

describe('cosign accepts sigstore bundles as OCI 1.1 referrers (fallback tag on distribution 2.8)', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ insecureRegistries: [registry.host] });
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('cosign verify-attestation reads our bundle referrer; the checker agrees; a re-run adds nothing', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/bundled', 'v1');
    const statement = provenance([imageSubject(registry.host, 'team/bundled', image.digest)]);
    const storage = new OciReferrerStorage({ client });
    const outcome = await storage.store(await signed(statement, key));
    expect(outcome.ok, outcome.detail).toBe(true);
    expect((await storage.store(await signed(statement, key))).detail).toContain('already has this');
    const check = await checkBundles({
      access: { url: registry.url },
      repository: 'team/bundled',
      reference: image.digest,
      publicKeyPem: key.publicKeyPem,
      type: 'slsaprovenance1',
    });
    expect(check.source).toBe('tag');
    expect(check.layers).toHaveLength(1);
    expect(check.verified).toHaveLength(1);
    const result = await runCosign([
      'verify-attestation',
      '--key',
      key.publicKeyFile,
      '--type',
      'slsaprovenance1',
      '--insecure-ignore-tlog',
      '--allow-http-registry',
      '--new-bundle-format',
      `${registry.host}/team/bundled:v1`,
    ]);
    expect(result.code, result.stderr).toBe(0);
  });

  it('concurrent writers all end up in the fallback referrers index', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/bundle-busy');
    const subject = imageSubject(registry.host, 'team/bundle-busy', image.digest);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const own = new RegistryClient({ insecureRegistries: [registry.host] });
        const outcome = await new OciReferrerStorage({ client: own }).store(
          await signed(provenance([subject], `bundle-${i}`), key),
        );
        await own.close();
        return outcome;
      }),
    );
    for (const outcome of outcomes) expect(outcome.ok, outcome.detail).toBe(true);
    const check = await checkBundles({
      access: { url: registry.url },
      repository: 'team/bundle-busy',
      reference: image.digest,
      publicKeyPem: key.publicKeyPem,
      type: 'slsaprovenance1',
    });
    expect(check.layers).toHaveLength(6);
    expect(check.verified).toHaveLength(6);
  });

  it('cosign verify accepts the image signature bundle written next to the attestation', async () => {
    const image = await pushTestImage({ url: registry.url }, 'team/bundle-signed');
    const statement = provenance([imageSubject(registry.host, 'team/bundle-signed', image.digest)]);
    const storage = new OciReferrerStorage({ client });
    const outcome = await storeWithImageSignatures(storage, await signed(statement, key), key.signer);
    for (const written of [outcome.attestation, outcome.signatures]) {
      expect(written.ok, written.detail).toBe(true);
      expect(written.locations).toHaveLength(1);
    }
    const ref = `${registry.host}/team/bundle-signed@${image.digest}`;
    const common = ['--key', key.publicKeyFile, '--insecure-ignore-tlog', '--allow-http-registry'];
    const verify = await runCosign(['verify', ...common, ref]);
    expect(verify.code, verify.stderr).toBe(0);
    const attestation = await runCosign(['verify-attestation', ...common, '--type', 'slsaprovenance1', ref]);
    expect(attestation.code, attestation.stderr).toBe(0);
  });
});
