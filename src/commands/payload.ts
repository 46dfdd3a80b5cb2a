import { attestedRunNames } from '../collect/attested.js';
import { collectFromFiles, loadTaskRunFile, objectKey, type RunFiles } from '../collect/files.js';
import type { PayloadConfig } from '../config/payload.js';
import { writeFileAtomically } from '../files.js';
import { log } from '../log.js';
import { buildStatement, serializeStatement } from '../provenance/index.js';
import { type FormatOptions, materialsOf, type Statement } from '../provenance/statement.js';
import { buildTaskRunStatement } from '../provenance/taskrun-statement.js';
import { loadKeySigner } from '../signing/load-key.js';
import type { SignedAttestation } from '../storage/backend.js';
import type { RunSnapshot } from '../tekton/snapshot.js';
import type { TaskRun } from '../tekton/types.js';
import { signAttestation } from './sign.js';

/**
 * `tekton-attest payload`: PipelineRun + TaskRun files -> RunSnapshot -> in-toto Statement, offline.
 * The same snapshot and statement code runs in the cluster (`attest`); only the collector differs.
 */
export interface Payload {
  snapshot: RunSnapshot;
  statement: Statement;
  /** The canonical statement bytes (what is signed). */
  bytes: Uint8Array;
}

/** The statement of the run in `files`, with `exclude` left out; warnings name the file of each object. */
export async function buildPayload(
  files: RunFiles,
  exclude: readonly string[],
  format: FormatOptions,
): Promise<Payload> {
  const { snapshot, sources } = await collectFromFiles(files, exclude);
  const statement = buildStatement(snapshot, format, {
    warn: (message, source) => {
      const file = source && sources.get(objectKey(source.kind, source.name));
      const object = source
        ? `${source.kind} ${source.name ?? '(unnamed)'}${source.step ? ` step ${source.step}` : ''}`
        : '';
      log.warn(source ? `${file ? `${file}: ` : ''}${object}: ${message}` : message);
    },
  });
  return { snapshot, statement, bytes: serializeStatement(statement) };
}

/** One TaskRun's own statement (Chains' `artifacts.taskrun.*`), from its file; warnings name the file. */
export async function buildTaskRunPayload(
  file: string,
  format: FormatOptions,
  maxInputBytes?: number,
): Promise<{ taskRun: TaskRun; statement: Statement; bytes: Uint8Array }> {
  const taskRun = await loadTaskRunFile(file, maxInputBytes);
  const name = taskRun.metadata.name ?? '(unnamed)';
  const statement = buildTaskRunStatement(taskRun, format, (message, source) =>
    log.warn(`${file}: TaskRun ${name}${source?.step ? ` step ${source.step}` : ''}: ${message}`),
  );
  return { taskRun, statement, bytes: serializeStatement(statement) };
}

/**
 * Builds the statement (a PipelineRun's, or with `--taskrun` one TaskRun's) and writes it to `output`
 * (atomically) or stdout; with `--sign`, also the DSSE envelope (its exact stored bytes). The key is loaded
 * first: a wrong password or bad key fails before anything is written. Logs a one-line summary.
 */
export async function runPayload(
  config: PayloadConfig,
): Promise<{ statement: Statement; bytes: Uint8Array; signed?: SignedAttestation }> {
  const signer = config.sign
    ? await loadKeySigner({ key: config.sign.key, passwordFile: config.sign.passwordFile })
    : undefined;
  const built =
    config.taskRun !== undefined
      ? await buildTaskRunPayload(config.taskRun, config.format, config.maxInputBytes)
      : await buildPayload(config, config.exclude, config.format);
  const signed = signer ? await signAttestation(built.statement, signer, built.bytes) : undefined;
  const envelopeOutput = config.sign?.envelopeOutput;
  if (config.output) {
    await writeFileAtomically(config.output, built.bytes);
    log.info(`wrote ${config.format.format} statement to ${config.output}`);
  } else if (!config.sign || envelopeOutput) {
    process.stdout.write(built.bytes);
    process.stdout.write('\n');
  }
  if (signed) {
    if (envelopeOutput) {
      await writeFileAtomically(envelopeOutput, Buffer.from(signed.envelopeJson, 'utf8'));
      log.info(`wrote the DSSE envelope to ${envelopeOutput}`);
    } else {
      process.stdout.write(`${signed.envelopeJson}\n`);
    }
  }
  log.info('snapshot' in built ? summary(built) : taskRunSummary(built));
  return signed ? { ...built, signed } : built;
}

function taskRunSummary({ statement, taskRun }: { statement: Statement; taskRun: TaskRun }): string {
  const subjects = statement.subject.length;
  const noSubjects = subjects === 0 ? ' (no subjects: nothing to attach it to in a registry)' : '';
  return `TaskRun ${taskRun.metadata.name ?? '(unnamed)'}: ${subjects} subject(s)${noSubjects}, ${materialsOf(statement).length} material(s)`;
}

function summary({ statement, snapshot }: Payload): string {
  const subjects = statement.subject.length;
  const inputs = materialsOf(statement).length;
  const name = snapshot.pipelineRun.metadata.name ?? '(unnamed)';
  const noSubjects = subjects === 0 ? ' (no subjects: nothing to attach it to in a registry)' : '';
  const attested = attestedRunNames(snapshot).length;
  const left =
    snapshot.unfinished.length > 0 ? ` (not finished, left out: ${snapshot.unfinished.join(', ')})` : '';
  return `PipelineRun ${name}: ${subjects} subject(s)${noSubjects}, ${inputs} material(s), ${attested} run(s) attested${left}`;
}
