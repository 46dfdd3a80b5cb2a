// The registry client against real docker-registry processes: each auth variant, TLS, referrers fallback,
// failing registries (fault proxy) and refused credentials.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttestError } from '../../src/errors.js';
import { maskSecrets } from '../../src/log.js';
import { RegistryClient } from '../../src/oci/client.js';
import { dockerConfigSources } from '../../src/oci/docker-config.js';
import { digestOf, MEDIA_TYPES, type RepositoryRef } from '../../src/oci/types.js';
import { type FaultProxy, startFaultProxy } from '../harness/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage, RegistryHttp } from '../harness/registry-http.js';
import { accessFor, clientFor, REGISTRY_VARIANTS } from '../harness/registry-variants.js';

describe.each(REGISTRY_VARIANTS)('registry client: $name', ({ options }) => {
  let registry: TestRegistry;
  let client: RegistryClient;
  const repo = (name: string): RepositoryRef => ({ registry: registry.host, repository: `team/${name}` });

  beforeAll(async () => {
    registry = await startRegistry(options);
    client = clientFor(registry);
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('resolves a pushed image to its manifest digest', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/app', 'v1');
    const resolved = await client.resolveDigest(repo('app'), 'v1');
    expect(resolved.digest).toBe(image.digest);
    expect(resolved.mediaType).toBe(MEDIA_TYPES.ociManifest);
    const fetched = await client.getManifest(repo('app'), image.digest);
    expect(fetched && digestOf(fetched.bytes)).toBe(image.digest);
  });

  it('uploads blobs, skips existing ones, and mounts across repositories', async () => {
    const data = randomBytes(1000);
    const { digest } = await client.pushBlob(repo('blobs'), data);
    expect(Buffer.compare(await client.getBlob(repo('blobs'), digest), data)).toBe(0);
    await client.pushBlob(repo('blobs'), data);
    await client.pushBlob(repo('other'), data, { mountFrom: repo('blobs') });
    expect(await client.blobExists(repo('other'), digest)).toBe(true);
  });

  it('writes manifests by tag and lists tags', async () => {
    const config = Buffer.from('{}');
    await client.pushBlob(repo('tags'), config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: MEDIA_TYPES.ociEmpty, digest: digestOf(config), size: 2 },
        layers: [],
      }),
    );
    const put = await client.putManifest(repo('tags'), 'one', manifest, MEDIA_TYPES.ociManifest);
    expect(put.digest).toBe(digestOf(manifest));
    expect(await client.listTags(repo('tags'))).toEqual(['one']);
    expect(await client.getManifest(repo('tags'), 'missing')).toBeUndefined();
  });

  it('keeps referrers in the fallback tag index when the registry has no referrers API', async () => {
    const image = await pushTestImage(accessFor(registry), 'team/ref');
    const empty = Buffer.from('{}');
    await client.pushBlob(repo('ref'), empty);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        artifactType: 'application/example',
        config: { mediaType: MEDIA_TYPES.ociEmpty, digest: digestOf(empty), size: 2 },
        layers: [{ mediaType: MEDIA_TYPES.ociEmpty, digest: digestOf(empty), size: 2 }],
        subject: { mediaType: MEDIA_TYPES.ociManifest, digest: image.digest, size: 1 },
      }),
    );
    const descriptor = {
      mediaType: MEDIA_TYPES.ociManifest,
      digest: digestOf(manifest),
      size: manifest.length,
      artifactType: 'application/example',
    };
    const pushed = await client.pushReferrer(repo('ref'), manifest, descriptor, image.digest);
    expect(pushed.location).toBe(`${registry.host}/team/ref:${image.digest.replace(':', '-')}`);
    await client.pushReferrer(repo('ref'), manifest, descriptor, image.digest);
    const found = await client.referrers(repo('ref'), image.digest, 'application/example');
    expect(found.source).toBe('tag');
    expect(found.descriptors).toEqual([descriptor]);
    expect((await client.referrers(repo('ref'), image.digest, 'application/other')).descriptors).toEqual([]);
  });
});

describe('registry client: refused credentials', () => {
  let basic: TestRegistry;
  let token: TestRegistry;
  beforeAll(async () => {
    [basic, token] = await Promise.all([startRegistry({ auth: 'basic' }), startRegistry({ auth: 'token' })]);
  });
  afterAll(async () => {
    await Promise.all([basic?.stop(), token?.stop()]);
  });

  it.each(['basic', 'token'])(
    'a wrong password (%s) names registry, repository, action and source, never the password',
    async (kind) => {
      const registry = kind === 'basic' ? basic : token;
      const client = clientFor(registry, 'writer', 'wrong-password-123');
      const error = await client
        .pushBlob({ registry: registry.host, repository: 'team/denied' }, Buffer.from('x'))
        .catch((e: unknown) => e);
      await client.close();
      expect(error).toBeInstanceOf(AttestError);
      const attestError = error as AttestError;
      expect(attestError.code).toBe('REGISTRY_AUTH');
      const text = attestError.describe();
      expect(text).toContain(registry.host);
      expect(text).toContain('team/denied');
      expect(text).toMatch(/pull from|push to/);
      expect(text).toContain('config.json');
      expect(maskSecrets(text)).not.toContain('wrong-password-123');
      expect(text).not.toContain('wrong-password-123');
    },
  );

  it('no credentials at all says so and lists where it looked', async () => {
    const client = new RegistryClient({
      credentials: dockerConfigSources({
        env: {},
        home: '/nonexistent',
        tektonCredsDir: '/nonexistent',
        workspaceDir: '/nonexistent',
      }),
      insecureRegistries: [basic.host],
    });
    const error = (await client
      .getManifest({ registry: basic.host, repository: 'team/x' }, 'latest')
      .catch((e: unknown) => e)) as AttestError;
    await client.close();
    expect(error.code).toBe('REGISTRY_AUTH');
    expect(error.message).toContain('anonymous');
    expect(error.message).toContain('$HOME/.docker');
    expect(error.message).toContain('Tekton credentials');
  });

  it('a read-only login cannot push through the token server, and the error says push', async () => {
    const client = clientFor(token, 'reader');
    const error = (await client
      .pushBlob({ registry: token.host, repository: 'team/ro' }, Buffer.from('y'))
      .catch((e: unknown) => e)) as AttestError;
    await client.close();
    expect(error.code).toBe('REGISTRY_AUTH');
    expect(error.message).toContain(`push to ${token.host}/team/ro`);
  });

  it('a pushing client refused its first read (anonymous) says the push needs a login, not only "cannot pull"', async () => {
    const client = new RegistryClient({ insecureRegistries: [token.host], pushes: true });
    const error = (await client
      .getManifest({ registry: token.host, repository: 'team/new' }, 'sha256-abc.att')
      .catch((e: unknown) => e)) as AttestError;
    await client.close();
    expect(error.code).toBe('REGISTRY_AUTH');
    expect(error.message).toContain(`cannot pull from ${token.host}/team/new, which the push starts with`);
    const wrongLogin = new RegistryClient({
      insecureRegistries: [token.host],
      pushes: true,
      credentials: dockerConfigSources({
        dockerConfigDir: token.dockerConfig('writer', 'wrong-password'),
        env: {},
        home: '/nonexistent',
      }),
    });
    const withLogin = (await wrongLogin
      .getManifest({ registry: token.host, repository: 'team/new' }, 'v1')
      .catch((e: unknown) => e)) as AttestError;
    await wrongLogin.close();
    expect(withLogin.hint).toContain('may pull from and push to the repository');
  });

  it('caches Bearer tokens per scope', async () => {
    const client = clientFor(token);
    const repo = { registry: token.host, repository: 'team/cache' };
    const before = token.tokenRequests.length;
    for (let i = 0; i < 5; i++) await client.getManifest(repo, `tag${i}`);
    await client.close();
    expect(token.tokenRequests.length - before).toBe(1);
  });
});

describe('registry client: TLS and plain HTTP are explicit', () => {
  let tls: TestRegistry;
  let plain: TestRegistry;
  beforeAll(async () => {
    [tls, plain] = await Promise.all([startRegistry({ tls: true }), startRegistry()]);
  });
  afterAll(async () => {
    await Promise.all([tls?.stop(), plain?.stop()]);
  });

  it('rejects an unknown CA with a hint to --registry-ca', async () => {
    const client = new RegistryClient({ retry: { attempts: 1 } });
    const error = (await client
      .getManifest({ registry: tls.host, repository: 'a/b' }, 'latest')
      .catch((e: unknown) => e)) as AttestError;
    await client.close();
    expect(error.code).toBe('REGISTRY');
    expect(error.hint).toContain('--registry-ca');
  });

  it('--insecure-registry skips verification on a TLS registry', async () => {
    const client = new RegistryClient({ insecureRegistries: [tls.host] });
    expect(await client.getManifest({ registry: tls.host, repository: 'a/b' }, 'latest')).toBeUndefined();
    expect(await client.transport.baseUrl(tls.host)).toBe(`https://${tls.host}`);
    await client.close();
  });

  it('a plain-HTTP registry needs --insecure-registry unless it is local', async () => {
    // 0.0.0.0 reaches the same registry but is no local name to go-containerregistry either.
    const remote = plain.host.replace('127.0.0.1', '0.0.0.0');
    const client = new RegistryClient({ retry: { attempts: 1 } });
    const error = (await client
      .getManifest({ registry: remote, repository: 'a/b' }, 'latest')
      .catch((e: unknown) => e)) as AttestError;
    await client.close();
    expect(error.code).toBe('REGISTRY');
    expect(error.hint).toContain(`--insecure-registry ${remote}`);
  });
});

describe('registry client: a failing registry', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.url);
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  const client = () =>
    new RegistryClient({ insecureRegistries: [proxy.host], retry: { baseDelayMs: 20, maxDelayMs: 100 } });

  it('retries 500s, 429 and resets in the middle of an upload', async () => {
    proxy.addFault({ kind: '500', method: 'POST', path: /blobs\/uploads/ });
    proxy.addFault({ kind: 'reset-mid-body', method: 'PUT', path: /blobs\/uploads/ });
    proxy.addFault({ kind: '503', method: 'PUT', path: /blobs\/uploads/ });
    proxy.addFault({ kind: '429', method: 'HEAD', path: /blobs/ });
    const c = client();
    const data = randomBytes(4096);
    const repo = { registry: proxy.host, repository: 'team/faulty' };
    const { digest } = await c.pushBlob(repo, data);
    expect(proxy.pending()).toBe(0);
    expect(proxy.log.some((l) => l.includes('injected reset'))).toBe(true);
    expect(Buffer.compare(await c.getBlob(repo, digest), data)).toBe(0);
    await c.close();
  });

  it('falls back to a chunked upload when the registry refuses a monolithic PUT', async () => {
    proxy.addFault({ kind: '400', method: 'PUT', path: /blobs\/uploads\/.*digest=/ });
    const c = client();
    const data = randomBytes(6 * 1024 * 1024);
    const repo = { registry: proxy.host, repository: 'team/chunked' };
    const before = proxy.log.length;
    const { digest } = await c.pushBlob(repo, data);
    const log = proxy.log.slice(before);
    expect(log.filter((l) => l.startsWith('PATCH') && l.endsWith('-> 202'))).toHaveLength(2);
    expect(log.some((l) => l.startsWith('PUT') && l.endsWith('-> 201'))).toBe(true);
    expect(Buffer.compare(await c.getBlob(repo, digest), data)).toBe(0);
    await c.close();
  });

  it('mounts a blob from another repository instead of uploading it again', async () => {
    const c = client();
    const data = randomBytes(128);
    const from = { registry: proxy.host, repository: 'team/mount-source' };
    await c.pushBlob(from, data);
    const before = proxy.log.length;
    await c.pushBlob({ registry: proxy.host, repository: 'team/mount-target' }, data, { mountFrom: from });
    const log = proxy.log.slice(before);
    expect(
      log.some((l) => l.includes('mount=') && l.includes('from=team%2Fmount-source') && l.endsWith('-> 201')),
    ).toBe(true);
    expect(log.some((l) => l.startsWith('PUT'))).toBe(false);
    await c.close();
  });

  it('expectNew uploads without a HEAD first; a blob that is there already is uploaded again harmlessly', async () => {
    const c = client();
    const data = randomBytes(256);
    const repo = { registry: proxy.host, repository: 'team/expect-new' };
    const before = proxy.log.length;
    const { digest } = await c.pushBlob(repo, data, { expectNew: true });
    await c.pushBlob(repo, data, { expectNew: true });
    const log = proxy.log.slice(before);
    expect(log.filter((l) => l.startsWith('HEAD'))).toEqual([]);
    expect(log.filter((l) => l.startsWith('PUT') && l.endsWith('-> 201'))).toHaveLength(2);
    expect(Buffer.compare(await c.getBlob(repo, digest), data)).toBe(0);
    // Without it, the registry is asked first and an existing blob is not sent again.
    const asked = proxy.log.length;
    await c.pushBlob(repo, data);
    expect(proxy.log.slice(asked).map((l) => l.split(' ')[0])).toEqual(['HEAD']);
    await c.close();
  });

  it('gives up after the bounded retries with the registry status', async () => {
    proxy.addFault({ kind: '500', method: 'GET', path: /manifests\/gone/, times: 10 });
    const c = new RegistryClient({
      insecureRegistries: [proxy.host],
      retry: { attempts: 3, baseDelayMs: 10 },
    });
    const error = (await c
      .getManifest({ registry: proxy.host, repository: 'team/faulty' }, 'gone')
      .catch((e: unknown) => e)) as AttestError;
    await c.close();
    expect(error.code).toBe('REGISTRY');
    expect(error.message).toContain('HTTP 500');
    expect(proxy.log.filter((l) => l.includes('manifests/gone')).length).toBe(3);
  });

  it('refuses a blob over the --max-input-size limit, naming the limit and the flag', async () => {
    const http = new RegistryHttp({ url: registry.url });
    const digest = await http.putBlob('team/big', randomBytes(4096));
    const c = new RegistryClient({ insecureRegistries: [proxy.host], maxResponseBytes: 2048 });
    const error = (await c
      .getBlob({ registry: proxy.host, repository: 'team/big' }, digest)
      .catch((e: unknown) => e)) as AttestError;
    await c.close();
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toContain('the answer is larger than 2 KiB (--max-input-size)');
    expect(error.hint).toContain('raise --max-input-size');
  });

  it('rejects a blob whose bytes do not match its digest', async () => {
    const http = new RegistryHttp({ url: registry.url });
    const digest = await http.putBlob('team/corrupt', randomBytes(64));
    proxy.addFault({ kind: 'corrupt', method: 'GET', path: /blobs\/sha256/ });
    const c = client();
    const error = (await c
      .getBlob({ registry: proxy.host, repository: 'team/corrupt' }, digest)
      .catch((e: unknown) => e)) as AttestError;
    await c.close();
    expect(error.code).toBe('REGISTRY');
    expect(error.message).toContain('hashes to');
  });
});

describe('registry client: blob reads redirected to a blob store, as hosted registries answer them', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic', redirectBlobs: true });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('follows the 307 for GET and HEAD, and sends the registry login only to the registry', async () => {
    const client = clientFor(registry);
    const repo = { registry: registry.host, repository: 'team/redirected' };
    const data = randomBytes(2048);
    const { digest } = await client.pushBlob(repo, data);
    expect(Buffer.compare(await client.getBlob(repo, digest), data)).toBe(0);
    expect(await client.blobExists(repo, digest)).toBe(true);
    await client.close();
    const store = registry.blobStore!.requests.filter((r) => r.path.includes(digest.slice(7)));
    expect(store.map((r) => r.method).sort()).toEqual(['GET', 'HEAD']);
    expect(store.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('a blob store that fails is an error naming it, not an absent blob', async () => {
    const client = new RegistryClient({
      credentials: dockerConfigSources({
        dockerConfigDir: registry.dockerConfig('writer'),
        env: {},
        home: '/nonexistent',
      }),
      insecureRegistries: [registry.host],
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    const repo = { registry: registry.host, repository: 'team/redirected' };
    const digest = await new RegistryHttp(accessFor(registry)).putBlob('team/redirected', randomBytes(64));
    registry.blobStore!.failWith = 503;
    const error = (await client.getBlob(repo, digest).catch((e: unknown) => e)) as AttestError;
    registry.blobStore!.failWith = undefined;
    await client.close();
    expect(error).toBeInstanceOf(AttestError);
    expect(error.message).toContain('HTTP 503');
    expect(error.message).toContain(`answered by ${new URL(registry.blobStore!.url).host}`);
  });
});
