// The import lines of src/ follow the design's direction (docs: the design note's architecture):
// cli -> commands -> config / collect / provenance / signing / storage / report, edges (kube, oci, http)
// below, the pure model (tekton) and shared modules (errors.ts, log.ts, files.ts) at the bottom; and no
// module imports itself round a cycle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './peers/versions.js';

const SRC = join(repoRoot, 'src');
const SHARED = 'shared';

/**
 * What each folder may import besides itself and the shared modules. A stage uses the types of the stages
 * that hand it values and the edges below it; nothing imports upward. Two rules are the design's own:
 * signing signs bytes and knows no statement (no provenance), and verify checks what the writers wrote
 * independently of them (no storage).
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  [SHARED]: [],
  http: [],
  tekton: [],
  oci: ['http'],
  kube: ['http', 'oci'],
  provenance: ['tekton', 'oci'],
  config: ['provenance', 'oci'],
  collect: ['tekton', 'kube', 'http'],
  signing: ['config', 'kube'],
  storage: ['config', 'provenance', 'signing', 'oci', 'kube'],
  report: ['collect', 'provenance', 'storage'],
  verify: ['config', 'provenance', 'signing', 'oci', 'kube'],
  bundle: ['oci'],
  demo: ['tekton', 'provenance'],
  commands: [
    'config',
    'collect',
    'provenance',
    'signing',
    'storage',
    'report',
    'verify',
    'bundle',
    'demo',
    'tekton',
    'kube',
    'oci',
    'http',
  ],
  cli: ['commands', 'config'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The src/ modules a file imports: static, re-exported, side-effect and dynamic imports alike. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g),
    ...text.matchAll(/^import\s+'(\.{1,2}\/[^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g),
  ].map((match) => match[1]!);
  return specifiers
    .map((specifier) => resolve(dirname(file), specifier).replace(/\.js$/, '.ts'))
    .filter((target) => target.startsWith(SRC + sep) && target.endsWith('.ts'));
}

function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0]! : SHARED;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const name = (file: string) => relative(repoRoot, file);

/** Every cycle's files, found by depth-first search (each reported once, from its first file). */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)).map(name));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe('src/ imports', () => {
  it('every folder of src/ has its place in the direction', () => {
    const unknown = [...new Set(files.map(folderOf))].filter((folder) => !(folder in ALLOWED));
    expect(unknown).toEqual([]);
  });

  it('go only in the direction of the design', () => {
    const against: string[] = [];
    for (const [file, targets] of graph) {
      const from = folderOf(file);
      for (const target of targets) {
        const to = folderOf(target);
        if (to === from || to === SHARED || ALLOWED[from]?.includes(to)) continue;
        against.push(`${name(file)} imports ${name(target)} (${from} may not import ${to})`);
      }
    }
    expect(against).toEqual([]);
  });

  it('form no cycle, between files or between folders', () => {
    expect(cycles()).toEqual([]);
    // The allowed folder edges themselves are acyclic, so no two folders can come to need each other.
    const order: string[] = [];
    const place = (folder: string, path: string[]): void => {
      expect(path, `folder cycle ${[...path, folder].join(' -> ')}`).not.toContain(folder);
      if (order.includes(folder)) return;
      for (const next of ALLOWED[folder] ?? []) place(next, [...path, folder]);
      order.push(folder);
    };
    for (const folder of Object.keys(ALLOWED)) place(folder, []);
    expect(order).toHaveLength(Object.keys(ALLOWED).length);
  });

  it('catch what they are for: an import against the direction and a cycle are reported', () => {
    const signing = files.find((file) => folderOf(file) === 'signing')!;
    const provenance = files.find((file) => folderOf(file) === 'provenance')!;
    expect(ALLOWED.signing).not.toContain(folderOf(provenance));
    expect(ALLOWED.verify).not.toContain('storage');
    graph.set(signing, [...(graph.get(signing) ?? []), signing]);
    try {
      expect(cycles()).toContainEqual([name(signing)]);
    } finally {
      graph.set(signing, importsOf(signing));
    }
  });
});
