import { escapeControls } from '../log.js';
import type { Subject } from '../provenance/statement.js';
import { outcomeName, type StorageOutcome } from '../storage/backend.js';
import { formatTable } from './table.js';

export interface SummaryInput {
  run: string;
  apiVersion: string;
  tasks: readonly string[];
  excluded: string | undefined;
  unfinished: readonly string[];
  subjects: readonly Subject[];
  format: string;
  signer: string;
  digest: string;
  transparency: string | undefined;
  outcomes: readonly StorageOutcome[];
  /** Status writes by other field managers, attested anyway (--allow-foreign-status), one line each. */
  foreignStatus: readonly string[];
}

/**
 * The closing summary of `attest`: what was attested, how, and where each backend wrote (or why not).
 * Names come from the run and details from registries: each value is escaped, so none can add a row.
 */
export function formatSummary(input: SummaryInput): string {
  const subject = (s: Subject) => {
    const [algorithm, hex] = Object.entries(s.digest)[0] ?? [];
    return `${s.name}${algorithm ? `@${algorithm}:${hex}` : ''}`;
  };
  const facts: [string, string][] = [
    ['run', `${input.run} (tekton.dev/${input.apiVersion})`],
    [
      'tasks',
      `${input.tasks.length} attested${input.excluded ? `; ${input.excluded} (this task) excluded` : ''}` +
        `${input.unfinished.length ? `; not finished, left out: ${input.unfinished.join(', ')}` : ''}`,
    ],
    [
      'subjects',
      input.subjects.length === 0
        ? 'none (no image or artifact results found): nothing to attach in a registry'
        : input.subjects.map(subject).join(', '),
    ],
    ['format', input.format],
    ['signer', input.signer],
    ['digest', input.digest],
  ];
  if (input.transparency) facts.push(['rekor', input.transparency]);
  if (input.foreignStatus.length > 0) {
    facts.push([
      'WARNING',
      `status NOT written by Tekton's controller, attested anyway (--allow-foreign-status): ${input.foreignStatus.join('; ')}`,
    ]);
  }
  const width = Math.max(...facts.map(([k]) => k.length));
  const rows = input.outcomes.map((o) => [
    outcomeName(o),
    o.ok ? 'OK' : 'FAILED',
    [o.locations.join(', '), o.detail].filter(Boolean).join(' — ') || '-',
  ]);
  return [
    'tekton-attest summary',
    ...facts.map(([k, v]) => `  ${k.padEnd(width)}  ${escapeControls(v)}`),
    '',
    formatTable(['BACKEND', 'STATUS', 'WHERE'], rows),
  ].join('\n');
}
