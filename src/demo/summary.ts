import type { DigestSet, Statement } from '../provenance/statement.js';
import type { TaskRun } from '../tekton/types.js';

/** A text table with left-aligned columns, for terminal summaries. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function shortDigest(digest: DigestSet | undefined): string {
  const [alg, hex] = Object.entries(digest ?? {})[0] ?? [];
  return alg && hex ? `${alg}:${hex.slice(0, 12)}…` : '-';
}

interface Material {
  uri?: string;
  name?: string;
  digest?: DigestSet;
}

/** The statement's inputs: SLSA v0.2 `materials`, or SLSA v1.0 `resolvedDependencies`. */
export function materialsOf(statement: Statement): Material[] {
  const predicate = statement.predicate as {
    materials?: Material[];
    buildDefinition?: { resolvedDependencies?: Material[] };
  };
  return predicate.materials ?? predicate.buildDefinition?.resolvedDependencies ?? [];
}

export function subjectRows(statement: Statement): string[][] {
  return statement.subject.map((s) => [s.name, shortDigest(s.digest)]);
}

export function materialRows(statement: Statement): string[][] {
  return materialsOf(statement).map((m) => [m.name ?? '', m.uri ?? '', shortDigest(m.digest)]);
}

export function taskRows(taskRuns: readonly TaskRun[]): string[][] {
  return taskRuns.map((tr) => {
    const condition = tr.status?.conditions?.find((c) => c.type === 'Succeeded');
    const status =
      condition?.status === 'True' ? 'Succeeded' : condition?.status === 'False' ? 'Failed' : 'Running';
    return [
      tr.metadata.labels?.['tekton.dev/pipelineTask'] ?? '',
      tr.metadata.name ?? '',
      status,
      String(tr.status?.steps?.length ?? 0),
    ];
  });
}
