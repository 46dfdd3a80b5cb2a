// Builds the image with buildah (scripts/image/build.sh: the Containerfile's runtime-from-dist target on a
// locally assembled Node 22 base), runs the CLI in it and checks its size. No skipping: on a machine where
// buildah cannot run (not root, no apt-get), this test fails and says why.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { repoRoot } from '../peers/versions.js';

const run = promisify(execFile);
/** The documented target (docs/image.md): at most 55 MB compressed. */
const MAX_COMPRESSED_BYTES = 55_000_000;
/** Cold: installing buildah and fetching the node package; warm it takes seconds. */
const BUILD_TIMEOUT_MS = 10 * 60_000;

const out = mkdtempSync(join(tmpdir(), 'tekton-attest-image-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Summary {
  digest: string;
  compressedBytes: number;
  uncompressedBytes: number;
  layers: { mediaType: string; size: number }[];
  user: string;
  entrypoint: string[];
  labels: Record<string, string>;
  help: string;
  demo: string | null;
  compileCache: { accepted: string[]; missed: string[] };
}

test(
  'the image builds, runs the CLI as user 65532 from its primed compile cache and stays within 55 MB compressed',
  async () => {
    try {
      await run('bash', [join(repoRoot, 'scripts/image/build.sh')], {
        cwd: repoRoot,
        // The suite's dist/ (npm test builds it first): rebuilding it here would pull chunks from under
        // CLI processes other tests are running.
        env: { ...process.env, IMAGE_OUT: out, IMAGE_USE_DIST: '1' },
        timeout: BUILD_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const { stderr, message } = error as { stderr?: string; message: string };
      throw new Error(`scripts/image/build.sh failed: ${message}\n${stderr ?? ''}`);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;

    expect(summary.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(summary.compressedBytes).toBeGreaterThan(10_000_000); // a Node runtime is in there
    expect(summary.compressedBytes).toBeLessThanOrEqual(MAX_COMPRESSED_BYTES);
    expect(summary.layers.every((l) => l.mediaType.endsWith('tar+gzip'))).toBe(true);
    expect(summary.user).toBe('65532:65532');
    expect(summary.entrypoint).toEqual(['/nodejs/bin/node', '/app/dist/cli.js']);
    expect(summary.labels).toMatchObject({
      'org.opencontainers.image.source': expect.stringMatching(/^https:\/\//),
      'org.opencontainers.image.version': JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
        .version,
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    // --help ran inside the image, through its ENTRYPOINT: the CLI and its commands are there.
    expect(summary.help).toContain('tekton-attest <command> [options]');
    expect(summary.help).toMatch(/tekton-attest bundle/);
    // When the CLI has a demo command, the build ran it in the image too (offline, no cluster).
    if (/tekton-attest demo\b/.test(summary.help)) expect(summary.demo).toEqual(expect.any(String));
    else expect(summary.demo).toBeNull();
    // The build ran them again on a read-only root: every module of dist/ they loaded came from the compile
    // cache primed at build time (same node flags, same user), none was compiled from source.
    expect(summary.compileCache.accepted).toContain('/app/dist/cli.js');
    expect(summary.compileCache.accepted.length).toBeGreaterThan(1);
    expect(summary.compileCache.missed).toEqual([]);
  },
  BUILD_TIMEOUT_MS + 60_000,
);
