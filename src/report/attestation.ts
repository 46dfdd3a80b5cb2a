import type { CollectedRun } from '../collect/api/collect-run.js';
import { describeForeignWrite } from '../collect/api/foreign-status.js';
import { attestedRunNames } from '../collect/attested.js';
import { log } from '../log.js';
import type { RunFormat } from '../provenance/tekton-format.js';
import { isAttestation, type SignedArtifact, type StorageOutcome } from '../storage/backend.js';
import { formatSummary } from './summary.js';
import { attestationDigest } from './task-results.js';

/** `attest`'s closing words: a note when there was nothing to attach in a registry, then the summary. */
export function reportAttestation(
  collected: CollectedRun,
  attestation: SignedArtifact,
  format: RunFormat,
  signer: string,
  outcomes: readonly StorageOutcome[],
): void {
  const { snapshot, target } = collected;
  const subjects = isAttestation(attestation) ? attestation.statement.subject : [];
  if (subjects.length === 0 && isAttestation(attestation)) {
    const elsewhere = outcomes
      .filter((o) => o.backend !== 'oci' && !o.artifact && !o.run)
      .map((o) => o.backend);
    log.info(
      `the provenance has no subjects (no image or artifact results): nothing to attach in a registry; ` +
        `attested to ${elsewhere.join(', ') || 'no other backend'}`,
    );
  }
  log.print(
    formatSummary({
      run: `${target.namespace}/${target.pipelineRun}`,
      apiVersion: collected.version,
      tasks: attestedRunNames(snapshot),
      excluded: target.selfTaskRun,
      unfinished: snapshot.unfinished,
      subjects,
      format: describeFormat(format),
      signer,
      digest: isAttestation(attestation)
        ? `${attestationDigest(attestation.envelopeJson)} (DSSE envelope)`
        : `${attestationDigest(attestation.payload)} (the signed status)`,
      transparency: attestation.tlogEntry
        ? `log index ${attestation.tlogEntry.logIndex}: ${attestation.tlogEntry.url}`
        : undefined,
      outcomes,
      foreignStatus: collected.foreignStatus.map(describeForeignWrite),
    }),
  );
}

function describeFormat(format: RunFormat): string {
  if (format.format === 'tekton')
    return 'tekton (legacy: the run status, signed as is; no in-toto statement)';
  return format.format === 'slsa/v1'
    ? 'slsa/v1 (SLSA v0.2)'
    : `${format.format} (SLSA v1.0, ${format.buildType})`;
}
