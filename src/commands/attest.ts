import { collectRun } from '../collect/api/collect-run.js';
import type { AttestConfig } from '../config/attest.js';
import { AttestError } from '../errors.js';
import { log } from '../log.js';
import { buildStatement, loggedWarnings } from '../provenance/index.js';
import { imagesToSign } from '../provenance/signed-images.js';
import { reportAttestation } from '../report/attestation.js';
import { taskResults, writeTaskResults } from '../report/task-results.js';
import { logEnvelope, transparencyWanted } from '../signing/transparency.js';
import { storeEverywhere } from './backends.js';
import { step, withinDeadline } from './deadline.js';
import { IMAGE_SIGNATURES, imageCount, imagesToStore } from './image-signatures.js';
import { kubeSecrets, lazyKubeClient } from './kube.js';
import { signAttestation } from './sign.js';
import { createSigner, describeSigner } from './signer.js';

/**
 * `tekton-attest attest`, the Task's job: signer -> collect the run from the API -> build the Statement ->
 * sign -> log -> store in every requested backend (each tried, whatever the others did) -> summary and Task
 * results. The config was checked whole before this runs; the key is decrypted before anything is read.
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
  step('read the run from the Kubernetes API');
  const client = await kube();
  const collected = await collectRun(client, config.run);

  step('build and sign the provenance');
  // One warning list for the statement and the images to sign: a result both read is reported once.
  const warn = loggedWarnings();
  const statement = buildStatement(collected.snapshot, config.format, { warn });
  let attestation = await signAttestation(statement, signer);
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
    attestation = await logEnvelope(attestation, rekorUrl);
  }

  const imageSignatures = images.length > 0 ? ` and the image signatures (${imageCount(images)})` : '';
  step(`store the attestation (${config.storage.join(', ')})${imageSignatures}`);
  const outcomes = [
    ...(await storeEverywhere(config, { client, collected, signer, rekorUrl, images }, attestation)),
    ...(skipped ? [skipped] : []),
  ];
  reportAttestation(collected, attestation, config.format, describeSigner(signer), outcomes);
  if (config.resultsDir) {
    step('write the Task results');
    await writeTaskResults(
      config.resultsDir,
      taskResults({
        envelopeJson: attestation.envelopeJson,
        subjects: statement.subject,
        outcomes,
        foreignStatus: collected.foreignStatus,
      }),
    );
  }
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length === 0) return;
  const names = failed.map((o) => (o.artifact ? `${o.backend} (${o.artifact})` : o.backend));
  const message = `${failed.length} of ${outcomes.length} storage backends failed: ${names.join(', ')}`;
  if (config.bestEffort) {
    log.warn(`${message} (--best-effort: exiting 0)`);
    return;
  }
  const imageSignaturesFailed = failed.some((o) => o.artifact === IMAGE_SIGNATURES);
  throw new AttestError('STORAGE_FAILED', message, {
    hint:
      'see the summary above for each failure; --best-effort exits 0 despite failed backends' +
      (imageSignaturesFailed
        ? '. Image signatures are on by default and go to the registry whatever --storage says: give the task push access to the built images, or pass --sign-images=false'
        : ''),
  });
}
