import { writeFileAtomically } from './files.js';
import { log } from './log.js';
import { buildStatement, serializeStatement } from './provenance/index.js';
import { type FormatOptions, materialsOf, type Statement } from './provenance/statement.js';
import { signStatement } from './signing/sign-statement.js';
import type { SignedAttestation, Signer } from './signing/types.js';
import { buildSnapshot } from './tekton/build-snapshot.js';
import { loadRunFiles, objectKey, type RunFiles } from './tekton/load-files.js';
import type { RunSnapshot } from './tekton/snapshot.js';

/**
 * `tekton-attest payload`: PipelineRun + TaskRun files -> RunSnapshot -> in-toto Statement, offline.
 * The same snapshot and statement code runs in the cluster (`attest`); only the loading differs.
 */
export interface PayloadRequest extends RunFiles {
  /** TaskRun names to leave out (the attesting finally task). */
  exclude: readonly string[];
  format: FormatOptions;
}

export interface Payload {
  snapshot: RunSnapshot;
  statement: Statement;
  /** The canonical statement bytes (what is signed). */
  bytes: Uint8Array;
}

export async function buildPayload(request: PayloadRequest): Promise<Payload> {
  const loaded = await loadRunFiles(request);
  const snapshot = buildSnapshot({
    pipelineRun: loaded.pipelineRun,
    taskRuns: loaded.taskRuns,
    customRuns: loaded.customRuns,
    exclude: request.exclude,
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
  const statement = buildStatement(snapshot, request.format, {
    warn: (message, source) => {
      const file = source && loaded.sources.get(objectKey(source.kind, source.name));
      const object = source
        ? `${source.kind} ${source.name ?? '(unnamed)'}${source.step ? ` step ${source.step}` : ''}`
        : '';
      log.warn(source ? `${file ? `${file}: ` : ''}${object}: ${message}` : message);
    },
  });
  return { snapshot, statement, bytes: serializeStatement(statement) };
}

/** `--sign`: the signer (already loaded, so a bad key fails before anything is written) and where to. */
export interface PayloadSigning {
  signer: Signer;
  /** `--output-envelope`; without it the envelope goes to stdout (and the statement only to `output`). */
  envelopeOutput?: string | undefined;
}

/**
 * Builds the statement and writes it to `output` (atomically) or stdout; with `sign`, also the DSSE
 * envelope (its exact stored bytes). Logs a one-line summary.
 */
export async function runPayload(
  request: PayloadRequest & { output?: string | undefined; sign?: PayloadSigning | undefined },
): Promise<Payload & { signed?: SignedAttestation }> {
  const payload = await buildPayload(request);
  const signed = request.sign
    ? await signStatement(payload.statement, request.sign.signer, payload.bytes)
    : undefined;
  if (request.output) {
    await writeFileAtomically(request.output, payload.bytes);
    log.info(`wrote ${request.format.format} statement to ${request.output}`);
  } else if (!request.sign || request.sign.envelopeOutput) {
    process.stdout.write(payload.bytes);
    process.stdout.write('\n');
  }
  if (signed) {
    if (request.sign?.envelopeOutput) {
      await writeFileAtomically(request.sign.envelopeOutput, Buffer.from(signed.envelopeJson, 'utf8'));
      log.info(`wrote the DSSE envelope to ${request.sign.envelopeOutput}`);
    } else {
      process.stdout.write(`${signed.envelopeJson}\n`);
    }
  }
  log.info(summary(payload));
  return signed ? { ...payload, signed } : payload;
}

function summary({ statement, snapshot }: Payload): string {
  const subjects = statement.subject.length;
  const inputs = materialsOf(statement).length;
  const name = snapshot.pipelineRun.metadata.name ?? '(unnamed)';
  const noSubjects = subjects === 0 ? ' (no subjects: nothing to attach it to in a registry)' : '';
  return `PipelineRun ${name}: ${subjects} subject(s)${noSubjects}, ${inputs} material(s), ${snapshot.taskRuns.length} TaskRun(s)`;
}
