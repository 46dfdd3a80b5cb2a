import { access, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parseFormatOptions } from '../config/format.js';
import type { DemoConfig } from '../config/keygen.js';
import { DEMO_ATTEST_TASKRUN, demoPipelineRun, demoTaskRuns } from '../demo/pipelinerun.js';
import { materialRows, subjectRows, taskRows } from '../demo/summary.js';
import { AttestError } from '../errors.js';
import { log } from '../log.js';
import type { FormatName } from '../provenance/statement.js';
import { materialsOf } from '../provenance/statement.js';
import { formatTable } from '../report/table.js';
import { parseEnvelope } from '../signing/dsse.js';
import { writeCosignKeyPair } from '../signing/keygen.js';
import { loadKeySigner } from '../signing/load-key.js';
import { verifyEnvelope } from '../signing/sign-payload.js';
import { buildPayload, type Payload } from './payload.js';
import { signAttestation } from './sign.js';

/** The two statements the demo makes: SLSA v1.0 (Chains' current default) and SLSA v0.2. */
const DEMO_FORMATS: readonly { format: FormatName; label: string }[] = [
  { format: 'slsa/v2alpha4', label: 'slsa-v1.0' },
  { format: 'slsa/v1', label: 'slsa-v0.2' },
];

export interface DemoOutput {
  format: FormatName;
  statementPath: string;
  envelopePath: string;
  verified: boolean;
}

export interface DemoResult {
  dir: string;
  keyPath: string;
  publicKeyPath: string;
  outputs: DemoOutput[];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * `tekton-attest demo`: the whole offline path on the embedded PipelineRun. Writes the inputs as files and
 * builds from them through `payload`'s code, generates (or reuses) a key pair, signs both formats, then
 * verifies the envelopes read back from disk with cosign.pub. No cluster, no network.
 */
export async function runDemo(options: DemoConfig = { outputDir: undefined }): Promise<DemoResult> {
  const dir = options.outputDir ?? (await mkdtemp(join(tmpdir(), 'tekton-attest-demo-')));
  await mkdir(dir, { recursive: true });

  const keyPath = join(dir, 'cosign.key');
  const publicKeyPath = join(dir, 'cosign.pub');
  // Re-running into the same directory keeps its key pair rather than refusing or replacing a key.
  const reuse = (await exists(keyPath)) && (await exists(publicKeyPath));
  if (!reuse) await writeCosignKeyPair(dir, new Uint8Array());
  // The demo's keys always have an empty password, whatever COSIGN_PASSWORD says.
  const signer = await loadKeySigner({ key: keyPath, env: {} });

  const pipelineRunPath = join(dir, 'pipelinerun.json');
  const taskRunsPath = join(dir, 'taskruns.json');
  await writeFile(pipelineRunPath, `${JSON.stringify(demoPipelineRun, null, 2)}\n`);
  await writeFile(
    taskRunsPath,
    `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: demoTaskRuns }, null, 2)}\n`,
  );

  const publicKeyPem = await readFile(publicKeyPath, 'utf8');
  const built: { output: DemoOutput; payload: Payload }[] = [];
  for (const { format, label } of DEMO_FORMATS) {
    // The same code path as `tekton-attest payload`, from the files just written.
    const payload = await buildPayload(
      { pipelineRun: pipelineRunPath, taskRuns: [taskRunsPath] },
      [DEMO_ATTEST_TASKRUN],
      parseFormatOptions({ format }),
    );
    const signed = await signAttestation(payload.statement, signer, payload.bytes);
    const statementPath = join(dir, `statement-${label}.json`);
    const envelopePath = join(dir, `envelope-${label}.json`);
    await writeFile(statementPath, payload.bytes);
    await writeFile(envelopePath, signed.envelopeJson);
    // Verify what is on disk, with the public key file, not the in-memory signer.
    const envelope = parseEnvelope(await readFile(envelopePath, 'utf8'), envelopePath);
    const verified = verifyEnvelope(envelope, publicKeyPem);
    built.push({ output: { format, statementPath, envelopePath, verified }, payload });
  }

  printSummary(dir, built, { keyPath, publicKeyPath, pipelineRunPath, taskRunsPath });
  const outputs = built.map((b) => b.output);
  const failed = outputs.filter((o) => !o.verified);
  if (failed.length > 0) {
    throw new AttestError(
      'VERIFY_FAILED',
      `${failed.map((f) => f.envelopePath).join(', ')} did not verify with ${publicKeyPath}`,
      {
        hint: reuse
          ? 'the directory held a cosign.pub that does not match its cosign.key; run the demo in an empty directory'
          : 'this is a bug in tekton-attest; please report it',
      },
    );
  }
  return { dir, keyPath, publicKeyPath, outputs };
}

function printSummary(
  dir: string,
  built: readonly { output: DemoOutput; payload: Payload }[],
  paths: { keyPath: string; publicKeyPath: string; pipelineRunPath: string; taskRunsPath: string },
): void {
  const v1 = built.find((b) => b.output.format === 'slsa/v2alpha4') ?? built[0]!;
  const { statement, snapshot } = v1.payload;
  const run = snapshot.pipelineRun.metadata;
  const print = (text = '') => log.print(text);
  print(`PipelineRun ${run.name} in namespace ${run.namespace}, attested offline by its finally task`);
  print();
  print(formatTable(['SUBJECT', 'DIGEST'], subjectRows(statement)));
  print();
  print(formatTable(['MATERIAL (resolvedDependencies)', 'URI', 'DIGEST'], materialRows(statement)));
  print();
  print(
    formatTable(
      ['PIPELINE TASK', 'TASKRUN', 'STATUS', 'STEPS'],
      [...taskRows(snapshot.taskRuns), ['attest', DEMO_ATTEST_TASKRUN, 'Running (this task: excluded)', '1']],
    ),
  );
  print();
  print(
    formatTable(
      ['FORMAT', 'SUBJECTS', 'MATERIALS', 'ENVELOPE', 'SIGNATURE'],
      built.map(({ output, payload }) => [
        `${output.format} (SLSA ${output.format === 'slsa/v1' ? 'v0.2' : 'v1.0'})`,
        String(payload.statement.subject.length),
        String(materialsOf(payload.statement).length),
        basename(output.envelopePath),
        output.verified ? 'verified with cosign.pub' : 'DOES NOT VERIFY',
      ]),
    ),
  );
  print();
  print(`Files in ${dir}:`);
  print(`  cosign.key, cosign.pub          the key pair (empty password)`);
  print(`  pipelinerun.json, taskruns.json the embedded run, as kubectl would print it`);
  print(`  statement-*.json                the in-toto statements (the exact signed bytes)`);
  print(`  envelope-*.json                 the DSSE envelopes`);
  print();
  const subjectHex = statement.subject[0]?.digest.sha256;
  if (subjectHex) {
    print('Check the SLSA v1.0 envelope with cosign (https://github.com/sigstore/cosign/releases):');
    print(
      `  cosign verify-blob-attestation --key ${paths.publicKeyPath} --type slsaprovenance1 --insecure-ignore-tlog ` +
        `--signature ${v1.output.envelopePath} --digest ${subjectHex} --digestAlg sha256`,
    );
    print();
  }
  print('Rebuild and sign the SLSA v1.0 statement from those files:');
  print(
    `  ${invocation()} payload --pipelinerun ${paths.pipelineRunPath} --taskruns ${paths.taskRunsPath} ` +
      `--exclude-taskrun ${DEMO_ATTEST_TASKRUN} --format slsa/v2alpha4 --sign --key ${paths.keyPath} ` +
      `--output-envelope envelope.json`,
  );
}

/** How to run this CLI again: `tekton-attest` when installed as that command, else `node <script>`. */
function invocation(): string {
  const script = process.argv[1] ?? '';
  if (basename(script) === 'tekton-attest') return 'tekton-attest';
  const shown = relative(process.cwd(), script);
  return `node ${shown.startsWith('..') || shown === '' ? script : shown}`;
}
