// Credential lookup order and docker config parsing (files in temp directories, no registry needed).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttestError } from '../../src/errors.js';
import { maskSecrets } from '../../src/log.js';
import { parseChallenge } from '../../src/oci/auth.js';
import {
  CredentialChain,
  type CredentialSource,
  dockerConfigSources,
  parseDockerConfig,
  registryKey,
} from '../../src/oci/docker-config.js';

function configDir(root: string, name: string, auths: Record<string, object>, file = 'config.json'): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), JSON.stringify({ auths }));
  return dir;
}

const basic = (user: string, password: string) => ({
  auth: Buffer.from(`${user}:${password}`).toString('base64'),
});

describe('docker config credential sources', () => {
  it('asks --docker-config, DOCKER_CONFIG, $HOME/.docker, /tekton/creds, then the workspace, first answer wins', async () => {
    const root = mkdtempSync(join(tmpdir(), 'docker-config-'));
    const flag = configDir(root, 'flag', { 'only-flag.example': basic('flag', 'flag-pw') });
    const env = configDir(root, 'env', {
      'only-flag.example': basic('env', 'env-pw'),
      'env.example': basic('env', 'env-pw'),
    });
    configDir(join(root, 'home'), '.docker', {
      'home.example': basic('home', 'home-pw'),
      'env.example': basic('x', 'y'),
    });
    configDir(join(root, 'tekton'), '.docker', { 'tekton.example': basic('tekton', 'tekton-pw') });
    // A Secret mounted as the dockerconfig workspace names its key .dockerconfigjson.
    const workspace = configDir(
      root,
      'workspace',
      { 'https://ws.example/v1/': basic('ws', 'ws-pw') },
      '.dockerconfigjson',
    );
    const sources = dockerConfigSources({
      dockerConfigDir: flag,
      env: { DOCKER_CONFIG: env },
      home: join(root, 'home'),
      tektonCredsDir: join(root, 'tekton'),
      workspaceDir: workspace,
    });
    const chain = new CredentialChain(sources);
    const user = async (registry: string) => (await chain.resolve(registry)).credential?.username;
    expect(await user('only-flag.example')).toBe('flag');
    expect(await user('env.example')).toBe('env');
    expect(await user('home.example')).toBe('home');
    expect(await user('tekton.example')).toBe('tekton');
    expect(await user('ws.example')).toBe('ws');
    const none = await chain.resolve('nowhere.example');
    expect(none.credential).toBeUndefined();
    expect(none.tried.map((t) => t.split(' ')[0])).toEqual([
      '--docker-config',
      `DOCKER_CONFIG=${env}`,
      '$HOME/.docker',
      'Tekton',
      'dockerconfig',
    ]);
    const found = await chain.resolve('tekton.example');
    expect(found.credential?.source).toBe(
      `${join(root, 'tekton', '.docker', 'config.json')} (auths["tekton.example"])`,
    );
  });

  it('a --docker-config directory without config.json is an error; the default places may be missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'docker-config-empty-'));
    const [flag] = dockerConfigSources({ dockerConfigDir: empty, env: {}, home: '/nonexistent' });
    await expect(flag!.lookup('x.example')).rejects.toThrow(AttestError);
    const defaults = dockerConfigSources({
      env: {},
      home: '/nonexistent',
      tektonCredsDir: '/nonexistent',
      workspaceDir: '/nonexistent',
    });
    for (const source of defaults) expect(await source.lookup('x.example')).toBeUndefined();
  });

  it('reads auth, username/password, identitytoken, registrytoken and legacy .dockercfg, and redacts them', () => {
    const config = parseDockerConfig(
      JSON.stringify({
        auths: {
          'a.example': basic('alice', 'alice-secret-1'),
          'b.example': { username: 'bob', password: 'bob-secret-2' },
          'c.example': { identitytoken: 'refresh-token-3' },
          'd.example': { registrytoken: 'bearer-token-4' },
          'e.example': {},
        },
      }),
      'test config',
    );
    expect(config.lookup('a.example')).toMatchObject({ username: 'alice', password: 'alice-secret-1' });
    expect(config.lookup('b.example')).toMatchObject({ username: 'bob', password: 'bob-secret-2' });
    expect(config.lookup('c.example')?.identityToken).toBe('refresh-token-3');
    expect(config.lookup('d.example')?.registryToken).toBe('bearer-token-4');
    expect(config.lookup('e.example')).toBeUndefined();
    expect(maskSecrets('alice-secret-1 bob-secret-2 refresh-token-3 bearer-token-4')).not.toMatch(
      /secret|token-/,
    );
    const legacy = parseDockerConfig(
      JSON.stringify({ 'legacy.example': basic('old', 'old-pw') }),
      'dockercfg',
    );
    expect(legacy.lookup('legacy.example')?.username).toBe('old');
  });

  it('matches registry keys as docker does (scheme and path dropped, Docker Hub aliases)', () => {
    expect(registryKey('https://index.docker.io/v1/')).toBe('index.docker.io');
    expect(registryKey('docker.io')).toBe('index.docker.io');
    expect(registryKey('registry-1.docker.io')).toBe('index.docker.io');
    expect(registryKey('HTTPS://Registry.Example:5000/v2/')).toBe('registry.example:5000');
    const hub = parseDockerConfig(
      JSON.stringify({ auths: { 'https://index.docker.io/v1/': basic('hub', 'hub-pw') } }),
      'hub',
    );
    expect(hub.lookup('index.docker.io')?.username).toBe('hub');
    expect(hub.lookup('registry.example')).toBeUndefined();
  });

  it('names the file in a parse error, never its content', () => {
    expect(() =>
      parseDockerConfig('{"auths": {"x": {"auth": "bm9jb2xvbg=="}}}', '/creds/config.json'),
    ).toThrow(/\/creds\/config\.json \(auths\["x"\]\): "auth" is not base64/);
    expect(() => parseDockerConfig('not json', '/creds/config.json')).toThrow(
      /\/creds\/config\.json is not valid JSON/,
    );
  });

  it('takes an injected source (the service account secrets) after the files', async () => {
    const injected: CredentialSource = {
      description: 'service account default imagePullSecrets',
      lookup: async (registry) =>
        registry === 'sa.example'
          ? { username: 'sa', password: 'sa-pw', source: 'secret ci/pull' }
          : undefined,
    };
    const chain = new CredentialChain([
      ...dockerConfigSources({
        env: {},
        home: '/nonexistent',
        tektonCredsDir: '/nonexistent',
        workspaceDir: '/nonexistent',
      }),
      injected,
    ]);
    expect((await chain.resolve('sa.example')).credential?.source).toBe('secret ci/pull');
    expect((await chain.resolve('other.example')).tried).toContain(
      'service account default imagePullSecrets',
    );
  });
});

describe('WWW-Authenticate parsing', () => {
  it('reads Bearer and Basic challenges with quoted and bare values', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:a/b:pull',
      },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
    expect(parseChallenge('bearer realm=https://x/token, service=x')?.params).toEqual({
      realm: 'https://x/token',
      service: 'x',
    });
    expect(parseChallenge('Negotiate')).toBeUndefined();
  });

  it('scans a hostile challenge once: a long run of name characters without "=" (the registry writes it)', () => {
    // A backtracking pattern spent quadratic time here: 300k characters kept it busy for minutes.
    const header = `Bearer ${'a'.repeat(300_000)} realm="https://auth.example/token"`;
    expect(parseChallenge(header)?.params).toEqual({ realm: 'https://auth.example/token' });
  });

  it('keeps run-chosen parameter names as plain keys and reads escapes and unterminated quotes', () => {
    const challenge = parseChallenge('Bearer __proto__="x", realm="a\\"b", service="open');
    expect(Object.keys(challenge?.params ?? {})).toEqual(['__proto__', 'realm', 'service']);
    expect(challenge?.params.realm).toBe('a"b');
    expect(challenge?.params.service).toBe('"open');
  });
});
