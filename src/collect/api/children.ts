import { AttestError } from '../../errors.js';
import type { KubeClient, KubeObject, TektonVersion } from '../../kube/client.js';
import { log } from '../../log.js';
import { LABEL_PIPELINE_RUN, LABEL_PIPELINE_RUN_UID, LABEL_PIPELINE_TASK } from '../../tekton/types.js';
import { validateRunShape } from '../../tekton/validate-shape.js';

/** CustomRun is tekton.dev/v1beta1 on every Pipelines release that has it. */
const CUSTOM_RUN_VERSION = 'v1beta1';

/** The PipelineRun's child runs as the API returns them (not yet normalized). */
export interface Children {
  taskRuns: KubeObject[];
  customRuns: KubeObject[];
  /** childReferences that could not be read (deleted, or from an unsupported kind). */
  missing: string[];
}

/**
 * Reads the runs of one PipelineRun: one paginated LIST of TaskRuns by the `tekton.dev/pipelineRun`
 * label (robust in the short window where childReferences lag), CustomRuns when the run has custom
 * tasks, and a GET for any childReference the lists did not return. Runs owned by another PipelineRun
 * that had the same name are ignored.
 */
export async function readChildren(
  client: KubeClient,
  pipelineRun: KubeObject,
  version: TektonVersion,
  report: (warning: string) => void = log.warn,
): Promise<Children> {
  const { namespace, name, uid } = identify(pipelineRun, 'PipelineRun');
  validateRunShape(pipelineRun, 'PipelineRun', `PipelineRun ${namespace}/${name} (from the API)`);
  const selector = `${LABEL_PIPELINE_RUN}=${name}`;
  const ours = (run: KubeObject, kind: 'TaskRun' | 'CustomRun') => {
    validateRunShape(run, kind, `${kind} ${namespace}/${str(run.metadata?.name)} (from the API)`);
    if (belongsTo(run, uid)) return true;
    // Through `report`: the wait polls this list again and again; one warning is enough.
    report(
      `ignoring ${kind} ${str(run.metadata?.name)}: it belongs to an earlier PipelineRun also named ${name}`,
    );
    return false;
  };
  const references = childReferences(pipelineRun);
  const taskRuns = (await client.listTekton(version, 'taskruns', namespace, selector)).filter((r) =>
    ours(r, 'TaskRun'),
  );
  const customRuns = hasCustomTasks(pipelineRun, references)
    ? (await client.listTekton(CUSTOM_RUN_VERSION, 'customruns', namespace, selector)).filter((r) =>
        ours(r, 'CustomRun'),
      )
    : [];
  const missing: string[] = [];
  for (const reference of references) {
    const kind = reference.kind === 'TaskRun' || reference.kind === 'CustomRun' ? reference.kind : undefined;
    if (!kind) {
      report(`${reference.kind} ${reference.name} of PipelineRun ${name}: kind not supported, not attested`);
      missing.push(reference.name);
      continue;
    }
    const [list, runVersion, plural] =
      kind === 'TaskRun' ? [taskRuns, version, 'taskruns'] : [customRuns, CUSTOM_RUN_VERSION, 'customruns'];
    if (list.some((run) => run.metadata?.name === reference.name)) continue;
    try {
      const run = await client.getTekton(runVersion, plural, namespace, reference.name);
      if (ours(run, kind)) list.push(run);
    } catch (error) {
      if (!(error instanceof AttestError) || error.code !== 'NOT_FOUND') throw error;
      report(`${kind} ${reference.name} is listed in PipelineRun ${name} but no longer exists`);
      missing.push(reference.name);
    }
  }
  return { taskRuns, customRuns, missing };
}

export interface ChildReferenceInfo {
  kind: string;
  name: string;
  pipelineTaskName?: string;
}

export function childReferences(pipelineRun: KubeObject): ChildReferenceInfo[] {
  const status = pipelineRun.status as { childReferences?: unknown } | undefined;
  const references = status?.childReferences;
  if (references === undefined || references === null) return [];
  const { namespace, name } = identify(pipelineRun, 'PipelineRun');
  if (!Array.isArray(references))
    throw corrupt('PipelineRun', namespace, name, 'status.childReferences is not a list');
  return references.map((reference: unknown, index) => {
    const r = reference as Partial<ChildReferenceInfo> | null;
    if (!r || typeof r.name !== 'string' || typeof r.kind !== 'string') {
      throw corrupt('PipelineRun', namespace, name, `status.childReferences[${index}] has no kind and name`);
    }
    return {
      kind: r.kind,
      name: r.name,
      ...(typeof r.pipelineTaskName === 'string' ? { pipelineTaskName: r.pipelineTaskName } : {}),
    };
  });
}

/** Custom tasks show up as CustomRun childReferences, or as pipeline tasks whose ref is not a Task. */
function hasCustomTasks(pipelineRun: KubeObject, references: ChildReferenceInfo[]): boolean {
  if (references.some((r) => r.kind === 'CustomRun')) return true;
  const spec = (pipelineRun.status as { pipelineSpec?: Record<string, unknown> } | undefined)?.pipelineSpec;
  const tasks = [spec?.tasks, spec?.finally].flatMap((list) => (Array.isArray(list) ? list : []));
  return tasks.some((task) => {
    const ref = (task as { taskRef?: { apiVersion?: unknown; kind?: unknown } } | null)?.taskRef;
    return typeof ref?.apiVersion === 'string' && ref.kind !== 'Task' && ref.kind !== 'ClusterTask';
  });
}

function belongsTo(run: KubeObject, uid: string | undefined): boolean {
  if (!uid) return true;
  const meta = run.metadata as { ownerReferences?: unknown; labels?: Record<string, string> };
  const owner = Array.isArray(meta.ownerReferences)
    ? (meta.ownerReferences as { kind?: string; uid?: string; controller?: boolean }[]).find(
        (o) => o.kind === 'PipelineRun',
      )
    : undefined;
  if (owner?.uid) return owner.uid === uid;
  const labelled = meta.labels?.[LABEL_PIPELINE_RUN_UID];
  return labelled === undefined || labelled === uid;
}

export function pipelineTaskOf(run: KubeObject): string | undefined {
  return (run.metadata?.labels as Record<string, string> | undefined)?.[LABEL_PIPELINE_TASK];
}

export function identify(
  object: KubeObject,
  kind: string,
): { namespace: string; name: string; uid: string | undefined } {
  const meta = object.metadata;
  if (!meta || typeof meta !== 'object' || typeof meta.name !== 'string') {
    throw new AttestError('INVALID_INPUT', `a ${kind} from the API has no metadata.name`, {
      hint: 'the server returned something that is not a Kubernetes object; check the API server and Tekton version',
    });
  }
  return {
    namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
    name: meta.name,
    uid: typeof meta.uid === 'string' ? meta.uid : undefined,
  };
}

function corrupt(kind: string, namespace: string, name: string, what: string): AttestError {
  return new AttestError('INVALID_INPUT', `${kind} ${namespace}/${name}: ${what}`, {
    hint: `the object is not a valid Tekton ${kind}; inspect it with kubectl -n ${namespace} get ${kind.toLowerCase()} ${name} -o yaml`,
  });
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '(unnamed)';
}
