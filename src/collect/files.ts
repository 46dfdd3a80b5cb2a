import { resolve } from 'node:path';
import { AttestError } from '../errors.js';
import { DEFAULT_MAX_INPUT_BYTES } from '../limits.js';
import { log } from '../log.js';
import { buildSnapshot } from '../tekton/build-snapshot.js';
import {
  normalizeCustomRun,
  normalizePipelineRun,
  normalizeTaskRun,
  V1,
  V1BETA1,
} from '../tekton/normalize.js';
import type { RunSnapshot } from '../tekton/snapshot.js';
import {
  type CustomRun,
  LABEL_PIPELINE_RUN,
  LABEL_PIPELINE_RUN_UID,
  LABEL_PIPELINE_TASK,
  type PipelineRun,
  type TaskRun,
} from '../tekton/types.js';
import { validateRunShape } from '../tekton/validate-shape.js';
import { type Located, readObjects } from './object-files.js';

/**
 * Reads a PipelineRun and its TaskRuns from files, the offline input of `payload`: JSON or YAML (several
 * `---` documents allowed), a single object or a `List` (`kubectl get taskruns -o json`), or a directory of
 * such files (*.json, *.yaml, *.yml, in name order). Objects are normalized to tekton.dev/v1 here.
 * Anything unusable is an AttestError(INVALID_INPUT) naming the file and the field.
 */
export interface RunFiles {
  /** File holding the PipelineRun (it may also hold the TaskRuns, e.g. `kubectl get pr,tr -o json`). */
  pipelineRun: string;
  /** Files or directories holding the TaskRuns (and CustomRuns) of that PipelineRun. */
  taskRuns: readonly string[];
  /** The largest file read (`--max-input-size`; default DEFAULT_MAX_INPUT_BYTES). */
  maxInputBytes?: number;
}

export interface LoadedRun {
  pipelineRun: PipelineRun;
  taskRuns: TaskRun[];
  customRuns: CustomRun[];
  /** The file each object came from, keyed by `objectKey` (for messages that name the file). */
  sources: Map<string, string>;
}

const TEKTON_VERSIONS = new Set([V1, V1BETA1]);
const CUSTOM_RUN_KINDS = new Set(['CustomRun', 'Run']);

/** What the file collector returns: the run's snapshot, and the file each object came from. */
export interface RunFromFiles {
  snapshot: RunSnapshot;
  /** The file each object came from, keyed by `objectKey` (for messages that name the file). */
  sources: Map<string, string>;
}

/**
 * The offline collector (`payload`, `demo`): the run's files -> the same RunSnapshot the API collector makes,
 * with `exclude` (the attesting TaskRun) left out. Warns when the result will be thin.
 */
export async function collectFromFiles(files: RunFiles, exclude: readonly string[]): Promise<RunFromFiles> {
  const loaded = await loadRunFiles(files);
  const snapshot = buildSnapshot({
    pipelineRun: loaded.pipelineRun,
    taskRuns: loaded.taskRuns,
    customRuns: loaded.customRuns,
    exclude,
  });
  const pipelineTasks = loaded.pipelineRun.status?.pipelineSpec?.tasks?.length ?? 0;
  if (loaded.taskRuns.length === 0 && pipelineTasks > 0) {
    log.warn(
      `no TaskRuns given for PipelineRun ${loaded.pipelineRun.metadata.name ?? ''}: the provenance will list no tasks or step images (add --taskruns)`,
    );
  }
  if (snapshot.unfinished.length > 0) {
    log.warn(
      `TaskRuns not finished, left out of the provenance: ${snapshot.unfinished.join(', ')} (exclude the attesting TaskRun with --exclude-taskrun)`,
    );
  }
  return { snapshot, sources: loaded.sources };
}

/** `PipelineRun/name` or `TaskRun/name`: how messages and the source map refer to an object. */
export function objectKey(kind: 'PipelineRun' | 'TaskRun' | 'CustomRun', name: string | undefined): string {
  return `${kind}/${name ?? '(unnamed)'}`;
}

export async function loadRunFiles(files: RunFiles): Promise<LoadedRun> {
  const sources = new Map<string, string>();
  const pipelineRuns: Located[] = [];
  const children: Located[] = [];
  const maxBytes = files.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  for (const item of await readObjects(files.pipelineRun, maxBytes)) {
    (kindOf(item, 'PipelineRun') === 'PipelineRun' ? pipelineRuns : children).push(item);
  }
  if (pipelineRuns.length !== 1) {
    throw new AttestError(
      'INVALID_INPUT',
      `${files.pipelineRun}: expected exactly one PipelineRun, found ${pipelineRuns.length}`,
      { hint: 'pass the file of one PipelineRun (kubectl get pipelinerun NAME -o yaml) to --pipelinerun' },
    );
  }
  const located = pipelineRuns[0] as Located;
  validateRunShape(located.object, 'PipelineRun', located.where);
  const pipelineRun = normalizePipelineRun(located.object);
  sources.set(objectKey('PipelineRun', pipelineRun.metadata.name), located.file);

  for (const path of files.taskRuns) {
    // The PipelineRun's file was read already (it may hold the TaskRuns too).
    if (resolve(path) !== resolve(files.pipelineRun)) children.push(...(await readObjects(path, maxBytes)));
  }
  const taskRuns: TaskRun[] = [];
  const customRuns: CustomRun[] = [];
  const seen = new Set<string>();
  for (const item of children) {
    const kind = kindOf(item, 'TaskRun');
    validateRunShape(item.object, kind, item.where);
    if (kind === 'PipelineRun') {
      if (samePipelineRun(normalizePipelineRun(item.object), pipelineRun)) continue;
      throw new AttestError('INVALID_INPUT', `${item.where}: is another PipelineRun, not a TaskRun`, {
        hint: 'give --taskruns only the TaskRuns of the PipelineRun in --pipelinerun',
      });
    }
    const run = kind === 'TaskRun' ? normalizeTaskRun(item.object) : normalizeCustomRun(item.object);
    if (isStale(run, pipelineRun, item.where)) {
      log.warn(
        `${item.where}: ignoring ${kind} ${run.metadata.name ?? ''}: it belongs to an earlier PipelineRun also named ${pipelineRun.metadata.name ?? ''}`,
      );
      continue;
    }
    // Names are unique per namespace; the uid alone is not trusted (Chains' fixtures reuse one).
    const identity = `${kind}/${run.metadata.namespace ?? ''}/${run.metadata.name ?? run.metadata.uid ?? item.where}`;
    if (seen.has(identity)) {
      log.warn(`${item.where}: ${kind} ${run.metadata.name ?? ''} appears more than once; using the first`);
      continue;
    }
    seen.add(identity);
    sources.set(objectKey(kind, run.metadata.name), item.file);
    if (kind === 'TaskRun') {
      if (run.metadata.labels?.[LABEL_PIPELINE_TASK] === undefined) {
        log.warn(
          `${item.where}: TaskRun ${run.metadata.name ?? ''} has no ${LABEL_PIPELINE_TASK} label, so it is not part of the provenance`,
        );
      }
      taskRuns.push(run as TaskRun);
    } else {
      customRuns.push(run as CustomRun);
    }
  }
  return { pipelineRun, taskRuns, customRuns, sources };
}

/**
 * The offline input of a TaskRun's own statement (`payload --taskrun`): the one TaskRun in `path`, JSON or YAML,
 * v1 or v1beta1, normalized to tekton.dev/v1.
 */
export async function loadTaskRunFile(
  path: string,
  maxInputBytes = DEFAULT_MAX_INPUT_BYTES,
): Promise<TaskRun> {
  const items = await readObjects(path, maxInputBytes);
  const taskRuns = items.filter((item) => kindOf(item, 'TaskRun') === 'TaskRun');
  const item = taskRuns[0];
  if (!item || items.length !== 1) {
    throw new AttestError(
      'INVALID_INPUT',
      `${path}: expected exactly one TaskRun, found ${taskRuns.length} TaskRun(s) among ${items.length} object(s)`,
      { hint: 'pass the file of one TaskRun (kubectl get taskrun NAME -o yaml) to --taskrun' },
    );
  }
  validateRunShape(item.object, 'TaskRun', item.where);
  return normalizeTaskRun(item.object);
}

/** The object's kind; objects without one (Chains' test fixtures) are taken as the kind expected there. */
function kindOf(item: Located, expected: 'PipelineRun' | 'TaskRun'): 'PipelineRun' | 'TaskRun' | 'CustomRun' {
  const { kind, apiVersion } = item.object;
  if (kind === undefined) return expected;
  const version = typeof apiVersion === 'string' ? apiVersion : '(no apiVersion)';
  if (kind === 'PipelineRun' || kind === 'TaskRun') {
    if (apiVersion !== undefined && !TEKTON_VERSIONS.has(String(apiVersion))) {
      throw new AttestError(
        'INVALID_INPUT',
        `${item.where}: apiVersion ${version} of ${kind} is not supported`,
        {
          hint: `save it as ${V1} or ${V1BETA1} (kubectl get ${kind.toLowerCase()}s.${V1.split('/')[1]}.tekton.dev ...)`,
        },
      );
    }
    return kind;
  }
  if (typeof kind === 'string' && CUSTOM_RUN_KINDS.has(kind) && expected === 'TaskRun') return 'CustomRun';
  throw new AttestError(
    'INVALID_INPUT',
    `${item.where}: kind is ${String(kind)} (${version}), not a ${expected}`,
    {
      hint:
        expected === 'PipelineRun'
          ? 'pass a PipelineRun (kubectl get pipelinerun NAME -o yaml) to --pipelinerun'
          : 'pass TaskRuns (kubectl get taskruns -l tekton.dev/pipelineRun=NAME -o yaml) to --taskruns',
    },
  );
}

function samePipelineRun(a: PipelineRun, b: PipelineRun): boolean {
  if (a.metadata.uid && b.metadata.uid) return a.metadata.uid === b.metadata.uid;
  return a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace;
}

/**
 * Whether a run is left over from an earlier PipelineRun of the same name (its name label matches, its uid
 * label or owner does not): `kubectl get taskruns -l tekton.dev/pipelineRun=NAME` returns those too, and
 * `attest` skips them the same way. Rejects a run whose labels name another PipelineRun altogether.
 */
function isStale(run: TaskRun | CustomRun, pipelineRun: PipelineRun, where: string): boolean {
  const { name, uid } = pipelineRun.metadata;
  const labels = run.metadata.labels ?? {};
  const owner = run.metadata.ownerReferences?.find((ref) => ref.kind === 'PipelineRun' && ref.controller);
  const conflicts: string[] = [];
  if (name && labels[LABEL_PIPELINE_RUN] && labels[LABEL_PIPELINE_RUN] !== name) {
    conflicts.push(`label ${LABEL_PIPELINE_RUN}=${labels[LABEL_PIPELINE_RUN]}`);
  }
  if (uid && labels[LABEL_PIPELINE_RUN_UID] && labels[LABEL_PIPELINE_RUN_UID] !== uid) {
    conflicts.push(`label ${LABEL_PIPELINE_RUN_UID}=${labels[LABEL_PIPELINE_RUN_UID]}`);
  }
  if (uid && owner?.uid && owner.uid !== uid) conflicts.push(`ownerReference uid ${owner.uid}`);
  if (conflicts.length === 0) return false;
  if (name !== undefined && labels[LABEL_PIPELINE_RUN] === name) return true;
  throw new AttestError(
    'INVALID_INPUT',
    `${where}: ${run.metadata.name ?? 'the TaskRun'} belongs to another PipelineRun (${conflicts.join(', ')}), not to ${name ?? uid}`,
    {
      hint: `list only its own TaskRuns: kubectl get taskruns -l ${LABEL_PIPELINE_RUN}=${name ?? 'NAME'} -o yaml`,
    },
  );
}
