import { AttestError } from '../../errors.js';
import type { KubeObject } from '../../kube/client.js';

/** A status field of a run whose last writer (per `metadata.managedFields`) is not a trusted field manager. */
export interface ForeignStatusWrite {
  readonly kind: 'PipelineRun' | 'TaskRun';
  readonly name: string;
  /** The field, as `status.<name>` (the top-level status fields are what managedFields resolves for runs). */
  readonly field: string;
  readonly manager: string;
  /** When that manager wrote it, as managedFields records it. */
  readonly time: string | undefined;
}

interface ManagedFieldsEntry {
  manager?: unknown;
  time?: unknown;
  fieldsV1?: { 'f:status'?: Record<string, unknown> } | null;
}

/**
 * The status fields of `run` owned by a field manager not in `trusted`. Server-side field tracking
 * records, per manager, the fields its last write set; Tekton's controller writes a run's whole status
 * (through the status subresource), so a status field owned by anyone else was written after it by that
 * manager: `kubectl patch --subresource=status`, another controller, or a Task holding a token that may.
 */
export function foreignStatusWrites(
  run: KubeObject,
  kind: ForeignStatusWrite['kind'],
  trusted: readonly string[],
): ForeignStatusWrite[] {
  const name = typeof run.metadata?.name === 'string' ? run.metadata.name : '(unnamed)';
  const entries = run.metadata?.managedFields;
  if (!Array.isArray(entries)) return [];
  return (entries as ManagedFieldsEntry[]).flatMap((entry) => {
    const manager = typeof entry.manager === 'string' ? entry.manager : '(no manager)';
    const status = entry.fieldsV1?.['f:status'];
    if (trusted.includes(manager) || !status || typeof status !== 'object') return [];
    return Object.keys(status)
      .filter((key) => key.startsWith('f:'))
      .map((key) => ({
        kind,
        name,
        field: `status.${key.slice(2)}`,
        manager,
        time: typeof entry.time === 'string' ? entry.time : undefined,
      }));
  });
}

export function describeForeignWrite(write: ForeignStatusWrite): string {
  return `${write.kind} ${write.name} ${write.field} by ${write.manager}${write.time ? ` at ${write.time}` : ''}`;
}

/** Refuses to attest a run with foreign status writes, unless `allow` (then the caller records them). */
export function assertStatusFromController(
  writes: readonly ForeignStatusWrite[],
  trusted: readonly string[],
  namespace: string,
): void {
  const [first] = writes;
  if (!first) return;
  const more =
    writes.length > 1
      ? ` (and ${writes.length - 1} more: ${writes.slice(1).map(describeForeignWrite).join('; ')})`
      : '';
  throw new AttestError(
    'FOREIGN_STATUS',
    `${first.kind} ${namespace}/${first.name}: ${first.field} was last written by field manager ` +
      `"${first.manager}", not by Tekton's controller (${trusted.join(', ')})${more}`,
    {
      hint:
        `a status not written by Tekton is a forgery or an accident: inspect it with kubectl -n ${namespace} get ` +
        `${first.kind.toLowerCase()} ${first.name} -o yaml --show-managed-fields; if that manager is your ` +
        'Tekton controller, name it with --status-field-manager; to attest anyway and record it, --allow-foreign-status',
    },
  );
}
