import { type CollectedRun, collectRun } from '../collect/api/collect-run.js';
import type { AttestConfig } from '../config/attest.js';
import { buildStatement, loggedWarnings, type Warn } from '../provenance/index.js';
import { imagesToSign } from '../provenance/signed-images.js';
import type { Statement } from '../provenance/statement.js';
import { type RunFormat, TEKTON_FORMAT, tektonStatusPayload } from '../provenance/tekton-format.js';
import { reportAttestation } from '../report/attestation.js';
import { taskResults, writeTaskResults } from '../report/task-results.js';
import { transparencyWanted } from '../signing/transparency.js';
import { isAttestation, type StorageOutcome } from '../storage/backend.js';
import { failOnStorage, registryFor, sharedRegistry, storeEverywhere } from './backends.js';
import { step, withinDeadline } from './deadline.js';
import { imageCount, imagesToStore } from './image-signatures.js';
import { kubeSecrets, lazyKubeClient } from './kube.js';
import { logArtifact, signArtifact } from './sign.js';
import { assertTektonFormatLoggable, createSigner, describeSigner } from './signer.js';
import { attestTaskRuns } from './taskrun-artifacts.js';

/**
 * `tekton-attest attest`, the Task's job: signer -> collect the run from the API -> build the Statement ->
 * sign -> log -> store in every requested backend (each tried, whatever the others did) -> each sibling
 * TaskRun's own attestation (Chains' artifacts.taskrun.*) -> summary and Task results. The config was
 * checked whole before this runs; the key is decrypted before anything is read.
 */
export function runAttest(config: AttestConfig): Promise<void> {
  return withinDeadline('attest', config.timeoutMs, () => attest(config));
}

async function attest(config: AttestConfig): Promise<void> {
  step('load the signing key');
  const kube = lazyKubeClient(config.kube);
  // A cosign key's scrypt holds 64 MiB for ~150 ms. Decrypted before the Kubernetes and registry code
  // (client-node, undici: most of the JS attest runs) is loaded and the run is read, the process's peak
  // memory is the larger of the two phases instead of their sum (docs/benchmark.md). Overlapping it with
  // the API reads would save its wall time but put the 64 MiB on top of everything else.
  const signer = await createSigner(config.signer, kubeSecrets(kube));
  assertTektonFormatLoggable(config, signer);
  step('read the run from the Kubernetes API');
  const client = await kube();
  const collected = await collectRun(client, config.run);

  step('build and sign the provenance');
  // One warning list for the statement and the images to sign: a result both read is reported once.
  const warn = loggedWarnings();
  let attestation = await signArtifact(runArtifact(collected, config.format, warn), signer);
  // Where this run's signatures are logged (the attestation here, image signatures before they are stored).
  const rekorUrl = transparencyWanted(config.transparency.mode, collected.pipelineRun.metadata.annotations)
    ? config.transparency.rekorUrl
    : undefined;
  // Before the attestation's own entry: a run refused for its image signatures leaves nothing in the log.
  const { images, skipped } = imagesToStore(
    config.oci.signImages,
    config.oci.signImages === 'off' ? [] : imagesToSign(collected.snapshot, warn),
    signer,
    rekorUrl,
  );
  if (rekorUrl) {
    step(`log the attestation in ${rekorUrl}`);
    attestation = await logArtifact(attestation, rekorUrl);
  }

  const imageSignatures = images.length > 0 ? ` and the image signatures (${imageCount(images)})` : '';
  step(`store the attestation (${config.storage.join(', ')})${imageSignatures}`);
  const registry = sharedRegistry(() => registryFor(config, client, collected));
  const storage = { client, collected, signer, registry };
  const outcomes: StorageOutcome[] = [];
  try {
    outcomes.push(...(await storeEverywhere(config, storage, attestation, { subjects: images, rekorUrl })));
    if (skipped) outcomes.push(skipped);
    if (config.taskRuns.storage.length > 0) {
      step(`attest each TaskRun (${config.taskRuns.format.format} to ${config.taskRuns.storage.join(', ')})`);
      outcomes.push(...(await attestTaskRuns(config, storage)));
    }
  } finally {
    await registry.close();
  }
  reportAttestation(collected, attestation, config.format, describeSigner(signer), outcomes);
  if (config.resultsDir) {
    step('write the Task results');
    await writeTaskResults(
      config.resultsDir,
      taskResults({
        signedBytes: isAttestation(attestation) ? attestation.envelopeJson : attestation.payload,
        subjects: isAttestation(attestation) ? attestation.statement.subject : [],
        outcomes,
        foreignStatus: collected.foreignStatus,
      }),
    );
  }
  failOnStorage(outcomes, config.bestEffort);
}

/** What is signed for the PipelineRun: its statement, or (legacy `--format tekton`) its status. */
function runArtifact(collected: CollectedRun, format: RunFormat, warn: Warn): Statement | Uint8Array {
  return format.format === TEKTON_FORMAT
    ? tektonStatusPayload(collected.pipelineRun)
    : buildStatement(collected.snapshot, format, { warn });
}
