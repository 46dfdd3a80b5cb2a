import type { RunSnapshot } from '../tekton/snapshot.js';
import { buildOutputImages } from './artifact-outputs.js';
import { taskRunResults, type Warn } from './context.js';
import { type OciImage, ociImages } from './type-hints.js';

/**
 * The images a run's image signatures (`.sig`) are for: what Chains' `artifacts.oci` signs. Chains signs
 * images per TaskRun, once it is done (OCIArtifact.ExtractObjects in pkg/artifacts/signable.go): the OCI
 * images its results name (`*IMAGE_URL`/`*IMAGE_DIGEST` pairs, `IMAGES`, `*ARTIFACT_OUTPUTS` build artifacts
 * that are images); for a PipelineRun it signs none (SupportsOCIArtifact is false), so pipeline results and
 * deep inspection add nothing. Here: every finished TaskRun of the run, in the snapshot's order, then
 * (beyond Chains v0.28) its Artifacts API build outputs that are images. Each image once, by repository and
 * digest. Step results are not read, as Chains does not read them for signatures.
 */
export function imagesToSign(snapshot: RunSnapshot, warn: Warn): OciImage[] {
  const images = new Map<string, OciImage>();
  for (const taskRun of snapshot.taskRuns) {
    if (!taskRun.status?.completionTime) continue;
    for (const image of [...ociImages(taskRunResults(taskRun), warn), ...buildOutputImages(taskRun, warn)]) {
      const key = `${image.name}@sha256:${image.digest.sha256}`;
      if (!images.has(key)) images.set(key, image);
    }
  }
  return [...images.values()];
}
