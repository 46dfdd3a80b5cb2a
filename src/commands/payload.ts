import { attestedRunNames } from '../collect/attested.js';
import { collectFromFiles, objectKey, type RunFiles } from '../collect/files.js';
import type { PayloadConfig } from '../config/payload.js';
import { writeFileAtomically } from '../files.js';
import { log } from '../log.js';
import { buildStatement, serializeStatement } from '../provenance/index.js';
import { type FormatOptions, materialsOf, type Statement } from '../provenance/statement.js';
import { loadKeySigner } from '../signing/load-key.js';
import type { SignedAttestation } from '../storage/backend.js';
import type { RunSnapshot } from '../tekton/snapshot.js';
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

/**
 * Builds the statement and writes it to `output` (atomically) or stdout; with `--sign`, also the DSSE
 * envelope (its exact stored bytes). The key is loaded first: a wrong password or bad key fails before
 * anything is written. Logs a one-line summary.
 */
export async function runPayload(config: PayloadConfig): Promise<Payload & { signed?: SignedAttestation }> {
  const signer = config.sign
    ? await loadKeySigner({ key: config.sign.key, passwordFile: config.sign.passwordFile })
    : undefined;
  const payload = await buildPayload(config, config.exclude, config.format);
  const signed = signer ? await signAttestation(payload.statement, signer, payload.bytes) : undefined;
  const envelopeOutput = config.sign?.envelopeOutput;
  if (config.output) {
    await writeFileAtomically(config.output, payload.bytes);
    log.info(`wrote ${config.format.format} statement to ${config.output}`);
  } else if (!config.sign || envelopeOutput) {
    process.stdout.write(payload.bytes);
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
  log.info(summary(payload));
  return signed ? { ...payload, signed } : payload;
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
