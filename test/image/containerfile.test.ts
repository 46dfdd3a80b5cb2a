// The Containerfile's default target compiles dist/ in its build stage (`podman build .`), which no test can
// pull here: check statically that the stage copies every file `npm run build` reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from '../peers/versions.js';

const containerfile = readFileSync(join(repoRoot, 'Containerfile'), 'utf8');
const buildScript = readFileSync(join(repoRoot, 'scripts/build.mjs'), 'utf8');

/** The sources of the COPY instructions of the stage named `stage`. */
function copiedIn(stage: string): string[] {
  const body = containerfile.split(/^FROM /m).find((block) => new RegExp(`AS ${stage}\\b`).test(block));
  return [...(body ?? '').matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
}

/** The repository files scripts/build.mjs reads: its own imports (./build/...) and the stand-ins it aliases. */
function readByBuild(): string[] {
  const imports = [...buildScript.matchAll(/from '\.\/(build\/[^']+)'/g)].map((m) => `scripts/${m[1]}`);
  const urls = [...buildScript.matchAll(/new URL\('\.\/(build\/[^']+)'/g)].map((m) => `scripts/${m[1]}`);
  const aliases = [...buildScript.matchAll(/'\.\/(scripts\/build\/[^']+)'/g)].map((m) => m[1]!);
  return [...new Set([...imports, ...urls, ...aliases, 'scripts/build.mjs', 'src/cli/main.ts'])];
}

test('the build stage copies every file npm run build reads', () => {
  const copied = copiedIn('build');
  const files = readByBuild();
  expect(files).toContain('scripts/build/undici.mjs');
  const missing = files.filter(
    (file) => !copied.some((source) => source === file || (source.endsWith('/') && file.startsWith(source))),
  );
  expect(missing).toEqual([]);
});
