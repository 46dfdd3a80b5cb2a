import { AttestError } from '../../errors.js';
import type { KubeConnection } from '../../kube/config.js';
import { log } from '../../log.js';
import { LABEL_PIPELINE_RUN, LABEL_TASK_RUN } from '../../tekton/types.js';
import { DEFAULT_POD_LABELS_FILE, readPodLabels } from './pod-labels.js';

export interface TargetOptions {
  /** `--pipelinerun` (the Task passes it as TEKTON_ATTEST_PIPELINERUN; empty means unset). */
  pipelineRun?: string | undefined;
  namespace?: string | undefined;
  /** `--taskrun`: this task's own TaskRun (`$(context.taskRun.name)`). */
  selfTaskRun?: string | undefined;
  podLabelsFile?: string | undefined;
}

/** The run to attest, and the attesting TaskRun to leave out of it. */
export interface RunTarget {
  namespace: string;
  pipelineRun: string;
  selfTaskRun: string | undefined;
}

/**
 * Decides which PipelineRun to attest: flags (or their TEKTON_ATTEST_* env) first, else the pod's own
 * labels, which Tekton sets on every TaskRun pod; the namespace comes from the pod's service account.
 */
export async function resolveTarget(options: TargetOptions, connection: KubeConnection): Promise<RunTarget> {
  const labelsFile = nonEmpty(options.podLabelsFile) ?? DEFAULT_POD_LABELS_FILE;
  let labels: Record<string, string> | undefined;
  const podLabels = async () => {
    labels ??= (await readPodLabels(labelsFile)) ?? {};
    return labels;
  };
  const pipelineRun = nonEmpty(options.pipelineRun) ?? (await podLabels())[LABEL_PIPELINE_RUN];
  if (!pipelineRun) {
    throw new AttestError('INVALID_ARGUMENT', 'no PipelineRun to attest', {
      hint: `pass --pipelinerun NAME (the Task passes $(context.pipelineRun.name)), or run in a TaskRun pod whose labels are mounted at ${labelsFile} (--pod-labels-file)`,
    });
  }
  const namespace = nonEmpty(options.namespace) ?? connection.namespace;
  if (!namespace) {
    throw new AttestError('INVALID_ARGUMENT', `no namespace for PipelineRun ${pipelineRun}`, {
      hint: 'pass --namespace NS, or set a namespace on the kubeconfig context',
    });
  }
  const selfTaskRun = nonEmpty(options.selfTaskRun) ?? (await podLabels())[LABEL_TASK_RUN];
  log.debug(`attesting PipelineRun ${namespace}/${pipelineRun}; this TaskRun: ${selfTaskRun ?? '(unknown)'}`);
  return { namespace, pipelineRun, selfTaskRun };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
