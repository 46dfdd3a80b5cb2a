import { LABEL_REPRODUCIBLE } from '../tekton/types.js';
import { buildConfig } from './build-config.js';
import type { RunContext } from './context.js';
import { invocation } from './invocation.js';
import { pipelineMaterials, slsaV02Materials } from './materials.js';
import { PREDICATE_SLSA_V02, STATEMENT_V01, type Statement } from './statement.js';
import { slsaSubjects } from './subjects.js';
import { rfc3339Utc } from './time.js';

/**
 * `slsa/v1` (alias `in-toto`): in-toto Statement v0.1 with a SLSA Provenance v0.2 predicate, as Chains'
 * v1 pipelinerun formatter renders it (encoding/json of the Go structs): empty materials and the run's
 * empty environment are omitted, configSource and ref are always objects.
 */
const BUILD_TYPE_PIPELINERUN = 'tekton.dev/v1/PipelineRun';

export function slsaV02Statement(context: RunContext): Statement {
  const { snapshot, options } = context;
  const run = snapshot.pipelineRun;
  const metadata: Record<string, unknown> = {};
  if (run.status?.startTime) metadata.buildStartedOn = rfc3339Utc(run.status.startTime);
  if (snapshot.finishedOn) metadata.buildFinishedOn = rfc3339Utc(snapshot.finishedOn);
  metadata.completeness = { parameters: false, environment: false, materials: false };
  metadata.reproducible = run.metadata.labels?.[LABEL_REPRODUCIBLE] === 'true';

  const predicate: Record<string, unknown> = {
    builder: { id: options.builderId },
    buildType: BUILD_TYPE_PIPELINERUN,
    invocation: invocation(
      run.status?.provenance?.refSource,
      run.spec.params,
      run.status?.pipelineSpec?.params,
      run.metadata,
    ),
    buildConfig: buildConfig(context),
    metadata,
  };
  const materials = slsaV02Materials(pipelineMaterials(context));
  if (materials.length > 0) predicate.materials = materials;
  return {
    _type: STATEMENT_V01,
    subject: slsaSubjects(context),
    predicateType: PREDICATE_SLSA_V02,
    predicate,
  };
}
