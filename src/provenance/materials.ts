import type { RefSource, ResultValue, TaskRun } from '../tekton/types.js';
import {
  pipelineRunResults,
  type ResultSource,
  type RunContext,
  stepResults,
  taskRunResults,
  type Warn,
} from './context.js';
import { ArtifactList } from './dedup.js';
import type { DigestSet } from './statement.js';
import { ARTIFACT_INPUTS, structuredTargets } from './type-hints.js';

/**
 * What a build consumed (SLSA v0.2 materials; SLSA v1.0 resolvedDependencies reuse the parts):
 * step and sidecar images, task/pipeline sources, `*ARTIFACT_INPUTS` results and the
 * `CHAINS-GIT_URL`/`CHAINS-GIT_COMMIT` pair (-> `git+<url>.git` with a sha1 digest).
 */
export interface Material {
  uri: string;
  digest: DigestSet;
}

/** SLSA v0.2 `materials` as Chains writes them: an empty uri or digest set is left out. */
export function slsaV02Materials(materials: readonly Material[]): Record<string, unknown>[] {
  return materials.map(({ uri, digest }) => {
    const material: Record<string, unknown> = {};
    if (uri) material.uri = uri;
    if (Object.keys(digest).length > 0) material.digest = digest;
    return material;
  });
}

export const GIT_COMMIT = 'CHAINS-GIT_COMMIT';
export const GIT_URL = 'CHAINS-GIT_URL';

export function materialList(): ArtifactList<Material> {
  return new ArtifactList<Material>(
    (material) => material.uri,
    (material) => material.digest,
  );
}

/** `[docker-pullable://]repo@alg:hex` -> `{uri: oci://repo, digest: {alg: hex}}`. */
function imageMaterial(imageID: string): Material | undefined {
  const parts = imageID.split('@');
  if (parts.length !== 2) return undefined;
  const digest = (parts[1] ?? '').split(':');
  if (digest.length !== 2) return undefined;
  const repository = (parts[0] ?? '').replace(/^docker-pullable:\/\//, '');
  return { uri: `oci://${repository}`, digest: { [digest[0] ?? '']: digest[1] ?? '' } };
}

/** A TaskRun's step images and sidecar images, each list merged like Chains merges them. */
export function taskRunImages(taskRun: TaskRun, warn: Warn): { steps: Material[]; sidecars: Material[] } {
  const source: ResultSource = { kind: 'TaskRun', name: taskRun.metadata.name };
  const images = (states: { name?: string; imageID?: string }[] | undefined, what: string) => {
    const list = materialList();
    for (const state of states ?? []) {
      const material = imageMaterial(state.imageID ?? '');
      if (material) list.add(material);
      // Chains fails the whole statement here; one unidentifiable image should not hide the rest.
      else
        warn(
          `${what} ${state.name ?? ''} image ID "${state.imageID ?? ''}" has no @<alg>:<hex> digest; not recorded`,
          source,
        );
    }
    return list.items;
  };
  return {
    steps: images(taskRun.status?.steps, 'step'),
    sidecars: images(taskRun.status?.sidecars, 'sidecar'),
  };
}

export function refSourceMaterial(refSource: RefSource | undefined): Material | undefined {
  if (!refSource) return undefined;
  return { uri: refSource.uri ?? '', digest: { ...(refSource.digest ?? {}) } };
}

/** `*ARTIFACT_INPUTS` object results as materials (digest algorithm lower-cased, as Chains parses it). */
export function structuredInputs(results: Parameters<typeof structuredTargets>[0], warn: Warn): Material[] {
  return structuredTargets(results, ARTIFACT_INPUTS, warn).map(({ uri, parsed }) => ({
    uri,
    digest: { [parsed.algorithm]: parsed.hex },
  }));
}

/** A TaskRun's own inputs (Chains' FromTaskParamsAndResults): its git pair, then its `*ARTIFACT_INPUTS` results. */
export function taskRunInputs(taskRun: TaskRun, warn: Warn): Material[] {
  const git = { commit: '', url: '' };
  for (const param of taskRun.status?.taskSpec?.params ?? []) readGit(git, param.name, param.default);
  for (const param of taskRun.spec.params ?? []) readGit(git, param.name, param.value);
  for (const result of taskRun.status?.results ?? []) readGit(git, result.name, result.value);
  const list = materialList();
  // Chains checks the URL only after wrapping it in git+….git, so a commit alone is enough here.
  if (git.commit !== '') list.add({ uri: spdxGit(git.url), digest: { sha1: git.commit } });
  return list.add(...structuredInputs(taskRunResults(taskRun), warn)).items;
}

/** Step results as inputs, per executed TaskRun (SLSA v1.0 v2alpha4 with deep inspection). */
export function stepInputs(context: RunContext): Material[] {
  return context.executed.flatMap(({ taskRun }) => taskRunStepInputs(taskRun, context.warn));
}

/**
 * A TaskRun's step results as inputs (Chains' FromStepActionsResults): each step's
 * `CHAINS-GIT_URL`/`CHAINS-GIT_COMMIT` pair, then every step's `*ARTIFACT_INPUTS` results.
 */
export function taskRunStepInputs(taskRun: TaskRun, warn: Warn): Material[] {
  const list = materialList();
  for (const step of taskRun.status?.steps ?? []) {
    const git = { commit: '', url: '' };
    for (const result of step.results ?? []) readGit(git, result.name, result.value);
    // As for a TaskRun, Chains checks the URL only after wrapping it, so a commit alone is enough.
    if (git.commit !== '') list.add({ uri: spdxGit(git.url), digest: { sha1: git.commit } });
  }
  for (const step of stepResults(taskRun)) list.add(...structuredInputs(step, warn));
  return list.items;
}

/**
 * The pipeline's inputs: its `*ARTIFACT_INPUTS` results, each executed TaskRun's inputs with deep
 * inspection, then the git pair from pipelineSpec param defaults, PipelineRun params and pipeline results
 * (later wins).
 */
export function pipelineInputs(context: RunContext): Material[] {
  const { snapshot, warn } = context;
  const list = materialList().add(...structuredInputs(pipelineRunResults(context), warn));
  const spec = snapshot.pipelineRun.status?.pipelineSpec;
  const git = { commit: '', url: '' };
  if (spec) {
    if (context.options.deepInspection) {
      for (const { taskRun } of context.executed) list.add(...taskRunInputs(taskRun, warn));
    }
    for (const param of spec.params ?? []) readGit(git, param.name, param.default);
  }
  for (const param of snapshot.pipelineRun.spec.params ?? []) readGit(git, param.name, param.value);
  for (const result of snapshot.pipelineResults) readGit(git, result.name, result.value);
  if (git.commit !== '' && git.url !== '') list.add({ uri: spdxGit(git.url), digest: { sha1: git.commit } });
  return list.items;
}

/** SLSA v0.2 `materials`: pipeline source, per executed TaskRun its images and source, then the inputs. */
export function pipelineMaterials(context: RunContext): Material[] {
  const list = materialList();
  const pipelineSource = refSourceMaterial(context.snapshot.pipelineRun.status?.provenance?.refSource);
  if (pipelineSource) list.add(pipelineSource);
  for (const { taskRun } of context.executed) {
    const { steps, sidecars } = taskRunImages(taskRun, context.warn);
    list.add(...steps, ...sidecars);
    const taskSource = refSourceMaterial(taskRun.status?.provenance?.refSource);
    if (taskSource) list.add(taskSource);
  }
  return list.add(...pipelineInputs(context)).items;
}

function readGit(
  git: { commit: string; url: string },
  name: string,
  value: ResultValue['value'] | undefined,
) {
  // Chains reads the string form only (an array or object value reads as "").
  const text = typeof value === 'string' ? value : '';
  if (name === GIT_COMMIT && value !== undefined) git.commit = text;
  else if (name === GIT_URL && value !== undefined) git.url = text;
}

/**
 * SPDX download location for git (what in-toto recommends): `git+<url>.git`, each part added only when
 * missing, as Chains' SPDXGit does (a URL already written `git+https://host/repo.git` stays as it is).
 */
function spdxGit(url: string): string {
  const prefixed = url.startsWith('git+') ? url : `git+${url}`;
  return prefixed.endsWith('.git') ? prefixed : `${prefixed}.git`;
}
