import { type DigestSet, materialsOf, type Statement } from '../provenance/statement.js';
import { LABEL_PIPELINE_TASK, type TaskRun } from '../tekton/types.js';

function shortDigest(digest: DigestSet | undefined): string {
  const [alg, hex] = Object.entries(digest ?? {})[0] ?? [];
  return alg && hex ? `${alg}:${hex.slice(0, 12)}…` : '-';
}

/** Subjects with their whole digest: it is what `cosign verify-blob-attestation --digest` needs. */
export function subjectRows(statement: Statement): string[][] {
  return statement.subject.map((s) => {
    const [alg, hex] = Object.entries(s.digest)[0] ?? [];
    return [s.name, alg && hex ? `${alg}:${hex}` : '-'];
  });
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
      tr.metadata.labels?.[LABEL_PIPELINE_TASK] ?? '',
      tr.metadata.name ?? '',
      status,
      String(tr.status?.steps?.length ?? 0),
    ];
  });
}
