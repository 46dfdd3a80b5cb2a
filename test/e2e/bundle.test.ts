// `bundle push` / `bundle list` against the real test registry, run as the built CLI. What was pushed is read
// back with the tests' own registry client and tar reader (no code from src/), checking what `tkn bundle push`
// writes and the bundles resolver expects.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage, RegistryHttp } from '../harness/registry-http.js';
import { runCli } from '../harness/run-built-cli.js';
import { repoRoot } from '../peers/versions.js';
import { TEKTON_CHECK_BUILD_TIMEOUT_MS, tektonCheckBin, tektonResolveBundle } from '../task/tekton-check.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const taskYaml = readFileSync(join(repoRoot, 'task/tekton-attest.yaml'), 'utf8');
const pipelineYaml = readFileSync(join(repoRoot, 'task/examples/pipeline.yaml'), 'utf8');

interface TarEntry {
  name: string;
  mode: number;
  typeflag: string;
  mtime: number;
  uid: number;
  gid: number;
  magic: string;
  content: Buffer;
}

/** POSIX ustar, read by hand: 512-byte header blocks, octal numbers, content padded to 512. */
function readTar(data: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  const octal = (start: number, length: number) =>
    Number.parseInt(
      data
        .subarray(start, start + length)
        .toString('latin1')
        .replace(/\0.*$/, '')
        .trim() || '0',
      8,
    );
  let offset = 0;
  while (offset + 512 <= data.length && data.subarray(offset, offset + 512).some((b) => b !== 0)) {
    const field = (start: number, length: number) =>
      data
        .subarray(offset + start, offset + start + length)
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const size = octal(offset + 124, 12);
    entries.push({
      name: field(0, 100),
      mode: octal(offset + 100, 8),
      uid: octal(offset + 108, 8),
      gid: octal(offset + 116, 8),
      mtime: octal(offset + 136, 12),
      typeflag: field(156, 1),
      magic: field(257, 6),
      content: data.subarray(offset + 512, offset + 512 + size),
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** A tar written the way Go's archive/tar writes tkn's single entry (for the reverse direction). */
function writeTar(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'latin1');
  header.write('0000600\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write('0', 156, 'latin1');
  header.write('ustar\0', 257, 'latin1');
  header.write('00', 263, 'latin1');
  const checksum = header.reduce((sum, b) => sum + b, 0);
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface ManifestShape {
  schemaVersion: number;
  mediaType: string;
  config: { mediaType: string; size: number; digest: string };
  layers: { mediaType: string; size: number; digest: string; annotations: Record<string, string> }[];
}

let registry: TestRegistry;
let http: RegistryHttp;

beforeAll(async () => {
  registry = await startRegistry();
  http = new RegistryHttp({ url: registry.url });
  await tektonCheckBin();
}, TEKTON_CHECK_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await registry?.stop();
});

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  return runCli([...args, '--insecure-registry', registry.host], {
    env: { SOURCE_DATE_EPOCH: undefined, HOME: mkdtempSync(join(tmpdir(), 'bundle-home-')), ...env },
  });
}

async function readBundle(repo: string, reference: string) {
  const fetched = await http.manifest(repo, reference);
  if (!fetched) throw new Error(`${repo}:${reference} was not pushed`);
  const manifest = JSON.parse(fetched.bytes.toString()) as ManifestShape;
  const config = JSON.parse((await http.blob(repo, manifest.config.digest)).toString());
  const layers = [];
  for (const layer of manifest.layers) {
    const blob = await http.blob(repo, layer.digest);
    const tar = gunzipSync(blob);
    layers.push({ descriptor: layer, blob, tar, entries: readTar(tar) });
  }
  return { digest: fetched.digest, manifest, config, layers };
}

describe('bundle push', () => {
  test('publishes the Task as tkn does: one gzip tar layer, entry named after it, JSON content', async () => {
    const result = await cli(['bundle', 'push', `${registry.host}/catalog/tekton-attest:0.1`]);
    expect(result.stderr).toContain('task tekton-attest');
    expect(result.code, result.stderr).toBe(0);
    const bundle = await readBundle('catalog/tekton-attest', '0.1');
    expect(result.stdout.trim()).toBe(`${registry.host}/catalog/tekton-attest:0.1@${bundle.digest}`);

    expect(bundle.manifest.schemaVersion).toBe(2);
    expect(bundle.manifest.mediaType).toBe(DOCKER_MANIFEST);
    expect(bundle.manifest.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    expect(bundle.manifest.layers).toHaveLength(1);
    const [layer] = bundle.layers;
    expect(layer?.descriptor.mediaType).toBe(DOCKER_LAYER);
    expect(layer?.descriptor.annotations).toEqual({
      'dev.tekton.image.apiVersion': 'v1',
      'dev.tekton.image.kind': 'task',
      'dev.tekton.image.name': 'tekton-attest',
    });
    expect(layer?.entries).toHaveLength(1);
    const entry = layer?.entries[0];
    expect(entry?.name).toBe('tekton-attest');
    expect(entry?.typeflag).toBe('0');
    expect(entry?.mode).toBe(0o600);
    expect(entry?.magic).toBe('ustar');
    expect([entry?.mtime, entry?.uid, entry?.gid]).toEqual([0, 0, 0]);
    // The content is JSON (not YAML) and is the Task, field for field.
    const json = entry?.content.toString('utf8') ?? '';
    expect(json.startsWith('{')).toBe(true);
    expect(JSON.parse(json)).toEqual(parse(taskYaml));
    // The config's diff_ids are the uncompressed tars; created is the epoch without SOURCE_DATE_EPOCH.
    expect(bundle.config.rootfs).toEqual({
      type: 'layers',
      diff_ids: [sha256(layer?.tar ?? Buffer.alloc(0))],
    });
    expect(bundle.config.created).toBe('1970-01-01T00:00:00Z');
  });

  test('is deterministic: the same digest every time; SOURCE_DATE_EPOCH sets the created time', async () => {
    const first = await cli(['bundle', 'push', `${registry.host}/det/bundle:a`]);
    const second = await cli(['bundle', 'push', `${registry.host}/det/bundle:b`]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const digestOf = (out: string) => out.trim().split('@')[1];
    expect(digestOf(first.stdout)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digestOf(second.stdout)).toBe(digestOf(first.stdout));

    const dated = await cli(['bundle', 'push', `${registry.host}/det/bundle:c`], {
      SOURCE_DATE_EPOCH: '1700000000',
    });
    expect(dated.code, dated.stderr).toBe(0);
    expect(digestOf(dated.stdout)).not.toBe(digestOf(first.stdout));
    const bundle = await readBundle('det/bundle', 'c');
    expect(bundle.config.created).toBe('2023-11-14T22:13:20Z');
  });

  test('--include-examples adds the example Pipeline; layers are sorted by kind and name', async () => {
    const result = await cli([
      'bundle',
      'push',
      `${registry.host}/catalog/with-examples:0.1`,
      '--include-examples',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const bundle = await readBundle('catalog/with-examples', '0.1');
    expect(bundle.manifest.layers.map((l) => l.annotations)).toEqual([
      {
        'dev.tekton.image.apiVersion': 'v1',
        'dev.tekton.image.kind': 'pipeline',
        'dev.tekton.image.name': 'simple-build',
      },
      {
        'dev.tekton.image.apiVersion': 'v1',
        'dev.tekton.image.kind': 'task',
        'dev.tekton.image.name': 'tekton-attest',
      },
    ]);
    const pipeline = bundle.layers[0]?.entries[0];
    expect(pipeline?.name).toBe('simple-build');
    expect(JSON.parse(pipeline?.content.toString() ?? '')).toEqual(parse(pipelineYaml));
    // No RBAC, ServiceAccounts or runs: only what the bundles resolver can serve.
    expect(
      bundle.manifest.layers.every((l) =>
        ['task', 'pipeline'].includes(l.annotations['dev.tekton.image.kind'] ?? ''),
      ),
    ).toBe(true);
  });

  test('--file publishes other objects; more than 20 is refused before anything is pushed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-files-'));
    const tasks = (count: number) =>
      Array.from({ length: count }, (_, i) =>
        [
          'apiVersion: tekton.dev/v1',
          'kind: Task',
          'metadata:',
          `  name: t${i}`,
          'spec:',
          '  steps: []',
        ].join('\n'),
      ).join('\n---\n');
    writeFileSync(join(dir, 'twenty.yaml'), tasks(20));
    writeFileSync(join(dir, 'twenty-one.yaml'), tasks(21));

    const ok = await cli([
      'bundle',
      'push',
      `${registry.host}/files/twenty:1`,
      '--file',
      join(dir, 'twenty.yaml'),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await readBundle('files/twenty', '1')).manifest.layers).toHaveLength(20);

    const tooMany = await cli([
      'bundle',
      'push',
      `${registry.host}/files/too-many:1`,
      '--file',
      join(dir, 'twenty-one.yaml'),
    ]);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain('at most 20 objects');
    expect(await http.manifest('files/too-many', '1')).toBeUndefined();
  });

  test('bad input: a digest reference, an unreadable file, duplicate names', async () => {
    const digestRef = await cli(['bundle', 'push', `${registry.host}/bad/ref@sha256:${'a'.repeat(64)}`]);
    expect(digestRef.code).toBe(2);
    expect(digestRef.stderr).toContain('name a tag, not a digest');

    const missing = await cli([
      'bundle',
      'push',
      `${registry.host}/bad/file:1`,
      '--file',
      '/nonexistent/task.yaml',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--file /nonexistent/task.yaml cannot be read');

    const dir = mkdtempSync(join(tmpdir(), 'bundle-dup-'));
    writeFileSync(join(dir, 'dup.yaml'), `${taskYaml}\n---\n${taskYaml}`);
    const duplicate = await cli([
      'bundle',
      'push',
      `${registry.host}/bad/dup:1`,
      '--file',
      join(dir, 'dup.yaml'),
    ]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('two tasks named tekton-attest');
    expect(await http.manifest('bad/dup', '1')).toBeUndefined();
  });

  test('pushes with credentials from --docker-config; a pull-only login is refused with a clear error', async () => {
    const secured = await startRegistry({ auth: 'token' });
    try {
      const push = (user: string) =>
        runCli([
          'bundle',
          'push',
          `${secured.host}/auth/tekton-attest:0.1`,
          '--insecure-registry',
          secured.host,
          '--docker-config',
          secured.dockerConfig(user),
        ]);
      const denied = await push('reader');
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain(secured.host);
      expect(denied.stderr).not.toContain(secured.users.reader?.password ?? 'unset');
      const ok = await push('writer');
      expect(ok.code, ok.stderr).toBe(0);
      const reader = new RegistryHttp({
        url: secured.url,
        username: 'reader',
        password: secured.users.reader?.password,
      });
      const manifest = await reader.manifest('auth/tekton-attest', '0.1');
      expect(ok.stdout.trim().endsWith(`@${manifest?.digest}`)).toBe(true);
    } finally {
      await secured.stop();
    }
  });
});

describe("Tekton's bundles resolver (tektoncd/pipeline GetEntry) reads what bundle push wrote", () => {
  test('the Task and the example Pipeline resolve, with the digest as refSource', async () => {
    const pushed = await cli([
      'bundle',
      'push',
      `${registry.host}/resolver/tekton-attest:0.1`,
      '--include-examples',
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const digest = pushed.stdout.trim().split('@')[1] ?? '';
    const ref = `${registry.host}/resolver/tekton-attest:0.1`;

    const task = await tektonResolveBundle(ref, 'task', 'tekton-attest');
    expect(task.data).toEqual(parse(taskYaml));
    expect(task.annotations).toEqual({
      'resolution.tekton.dev/dev.tekton.image.apiVersion': 'v1',
      'resolution.tekton.dev/dev.tekton.image.kind': 'task',
      'resolution.tekton.dev/dev.tekton.image.name': 'tekton-attest',
    });
    expect(task.source).toEqual({
      uri: `${registry.host}/resolver/tekton-attest`,
      digest: { sha256: digest.replace('sha256:', '') },
      entryPoint: 'tekton-attest',
    });
    const pipeline = await tektonResolveBundle(ref, 'pipeline', 'simple-build');
    expect(pipeline.data).toEqual(parse(pipelineYaml));
    await expect(tektonResolveBundle(ref, 'task', 'simple-build')).rejects.toThrow(
      /could not find object in image with kind: task and name: simple-build/,
    );
  });
});

describe('bundle list', () => {
  test('lists what push wrote and prints the objects as the resolver hands them out', async () => {
    const pushed = await cli(['bundle', 'push', `${registry.host}/list/bundle:1`, '--include-examples']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const names = await cli(['bundle', 'list', `${registry.host}/list/bundle:1`]);
    expect(names.code, names.stderr).toBe(0);
    expect(names.stdout).toBe('pipeline.tekton.dev/simple-build v1\ntask.tekton.dev/tekton-attest v1\n');

    const byDigest = await cli([
      'bundle',
      'list',
      pushed.stdout.trim().replace(':1@', '@'),
      'task',
      'tekton-attest',
      '-o',
      'json',
    ]);
    expect(byDigest.code, byDigest.stderr).toBe(0);
    expect(JSON.parse(byDigest.stdout)).toEqual([parse(taskYaml)]);

    const asYaml = await cli(['bundle', 'list', `${registry.host}/list/bundle:1`, 'pipeline', '-o', 'yaml']);
    expect(asYaml.code, asYaml.stderr).toBe(0);
    expect(parseAllDocuments(asYaml.stdout).map((d) => d.toJS())).toEqual([parse(pipelineYaml)]);

    const absent = await cli(['bundle', 'list', `${registry.host}/list/bundle:1`, 'task', 'nope']);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain('holds no task named nope');
    expect(absent.stderr).toContain('task/tekton-attest');
  });

  /** A bundle as another tool may write it: a Docker manifest, Tekton's layer annotations, given blobs. */
  async function pushForeignBundle(
    repo: string,
    config: Buffer,
    layers: { blob: Buffer; kind: string; name: string; apiVersion: string }[],
  ): Promise<void> {
    for (const blob of [...layers.map((l) => l.blob), config]) await http.putBlob(repo, blob);
    await http.putManifest(
      repo,
      'v1',
      {
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          size: config.length,
          digest: sha256(config),
        },
        layers: layers.map(({ blob, kind, name, apiVersion }) => ({
          mediaType: DOCKER_LAYER,
          size: blob.length,
          digest: sha256(blob),
          annotations: {
            'dev.tekton.image.apiVersion': apiVersion,
            'dev.tekton.image.kind': kind,
            'dev.tekton.image.name': name,
          },
        })),
      },
      DOCKER_MANIFEST,
    );
  }

  test('reads a bundle written by another tool: a tar layer, and a raw (untarred) JSON layer', async () => {
    const repo = 'foreign/bundle';
    const task = {
      apiVersion: 'tekton.dev/v1',
      kind: 'Task',
      metadata: { name: 'hello' },
      spec: { steps: [] },
    };
    const pipeline = {
      apiVersion: 'tekton.dev/v1beta1',
      kind: 'Pipeline',
      metadata: { name: 'raw' },
      spec: { tasks: [] },
    };
    const tarLayer = gzipSync(writeTar('hello', Buffer.from(JSON.stringify(task))));
    const rawLayer = gzipSync(Buffer.from(JSON.stringify(pipeline)));
    const config = Buffer.from(
      JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [] }, config: {} }),
    );
    await pushForeignBundle(repo, config, [
      { blob: tarLayer, kind: 'task', name: 'hello', apiVersion: 'v1' },
      { blob: rawLayer, kind: 'pipeline', name: 'raw', apiVersion: 'v1beta1' },
    ]);
    const names = await cli(['bundle', 'list', `${registry.host}/${repo}:v1`]);
    expect(names.stdout).toBe('task.tekton.dev/hello v1\npipeline.tekton.dev/raw v1beta1\n');
    const objects = await cli(['bundle', 'list', `${registry.host}/${repo}:v1`, '-o', 'json']);
    expect(objects.code, objects.stderr).toBe(0);
    expect(JSON.parse(objects.stdout)).toEqual([task, pipeline]);
  });

  test('escapes control characters in the layer annotations it lists', async () => {
    const repo = 'hostile/names';
    await pushForeignBundle(repo, Buffer.from('{}'), [
      {
        blob: gzipSync(writeTar('x', Buffer.from('{}'))),
        kind: 'task',
        name: 'x\u001b[2J\npipeline.tekton.dev/forged v1',
        apiVersion: 'v1\r',
      },
    ]);
    const names = await cli(['bundle', 'list', `${registry.host}/${repo}:v1`]);
    expect(names.code, names.stderr).toBe(0);
    expect(names.stdout).toBe('task.tekton.dev/x\\x1b[2J\\npipeline.tekton.dev/forged v1 v1\\r\n');
  });

  test('refuses what the resolver refuses: a plain image, a plural kind; a missing tag is not found', async () => {
    const image = await pushTestImage({ url: registry.url }, 'plain/image', 'v1');
    const plain = await cli(['bundle', 'list', `${image.host}/plain/image:v1`]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(
      'is not a valid Tekton Bundle: layer 0 has no dev.tekton.image.apiVersion annotation',
    );

    const repo = 'plural/kind';
    await pushForeignBundle(repo, Buffer.from('{}'), [
      { blob: gzipSync(writeTar('x', Buffer.from('{}'))), kind: 'Tasks', name: 'x', apiVersion: 'v1' },
    ]);
    const plural = await cli(['bundle', 'list', `${registry.host}/${repo}:v1`]);
    expect(plural.code).toBe(2);
    expect(plural.stderr).toContain('must be lowercase and singular, found Tasks');

    const missing = await cli(['bundle', 'list', `${registry.host}/nothing/here:v1`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
  });
});
