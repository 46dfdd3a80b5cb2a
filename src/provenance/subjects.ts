import type { TaskRun } from '../tekton/types.js';
import { buildOutputSubjects } from './artifact-outputs.js';
import {
  pipelineRunResults,
  type RunContext,
  type SourcedResults,
  stepResults,
  taskRunResults,
  type Warn,
} from './context.js';
import { ArtifactList } from './dedup.js';
import type { Subject } from './statement.js';
import {
  ARTIFACT_OUTPUTS,
  artifactDigestSet,
  buildArtifacts,
  ociImages,
  signableTargets,
  structuredTargets,
} from './type-hints.js';

/**
 * What a statement attests to, from type-hinted results (see type-hints.ts), deduplicated by name and
 * any equal digest.
 *
 * slsa/v1 and slsa/v2alpha3 (extract.SubjectDigests): OCI images, `*ARTIFACT_URI` pairs, every valid
 * `*ARTIFACT_OUTPUTS`; with deep inspection each executed TaskRun's first, then the PipelineRun's.
 * slsa/v2alpha4 (SubjectsFromBuildArtifact): build artifacts and OCI images only; the PipelineRun's first,
 * then with deep inspection each executed TaskRun's step results (step by step), then its results.
 * Beyond Chains v0.28, a TaskRun's subjects end with its Artifacts API build outputs (artifact-outputs.ts),
 * in every format: a TaskRun without `status.artifacts` gets exactly Chains' subjects.
 */
function subjectList(): ArtifactList<Subject> {
  return new ArtifactList<Subject>(
    (subject) => subject.name,
    (subject) => subject.digest,
  );
}

function typeHintedSubjects(sourced: SourcedResults, warn: Warn): Subject[] {
  return subjectList()
    .add(...ociImages(sourced, warn))
    .add(...signableTargets(sourced, warn).map((t) => ({ name: t.uri, digest: artifactDigestSet(t) })))
    .add(
      ...structuredTargets(sourced, ARTIFACT_OUTPUTS, warn).map((t) => ({
        name: t.uri,
        digest: artifactDigestSet(t),
      })),
    ).items;
}

function buildArtifactSubjects(sourced: SourcedResults, warn: Warn): Subject[] {
  return subjectList()
    .add(...buildArtifacts(sourced, warn).map((t) => ({ name: t.uri, digest: artifactDigestSet(t) })))
    .add(...ociImages(sourced, warn)).items;
}

export function slsaSubjects(context: RunContext): Subject[] {
  const pipelineSubjects = typeHintedSubjects(pipelineRunResults(context), context.warn);
  if (!context.options.deepInspection) return pipelineSubjects;
  const list = subjectList();
  for (const { taskRun } of context.executed) list.add(...taskRunSubjects(taskRun, context.warn));
  return list.add(...pipelineSubjects).items;
}

export function buildArtifactOnlySubjects(context: RunContext): Subject[] {
  const list = subjectList().add(...buildArtifactSubjects(pipelineRunResults(context), context.warn));
  if (!context.options.deepInspection) return list.items;
  for (const { taskRun } of context.executed)
    list.add(...taskRunBuildArtifactSubjects(taskRun, context.warn));
  return list.items;
}

/** A TaskRun's own subjects in slsa/v1 and slsa/v2alpha3: its type-hinted results. */
export function taskRunSubjects(taskRun: TaskRun, warn: Warn): Subject[] {
  return subjectList()
    .add(...typeHintedSubjects(taskRunResults(taskRun), warn))
    .add(...buildOutputSubjects(taskRun, warn)).items;
}

/** A TaskRun's build artifacts (slsa/v2alpha4): its step results, step by step, then its results. */
export function taskRunBuildArtifactSubjects(taskRun: TaskRun, warn: Warn): Subject[] {
  const list = subjectList();
  for (const step of stepResults(taskRun)) list.add(...buildArtifactSubjects(step, warn));
  return list
    .add(...buildArtifactSubjects(taskRunResults(taskRun), warn))
    .add(...buildOutputSubjects(taskRun, warn)).items;
}
