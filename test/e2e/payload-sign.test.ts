import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ATTEST_TASKRUN, demoPipelineRun, demoTaskRuns } from '../../src/demo/pipelinerun.js';
import { parseEnvelope } from '../../src/signing/dsse.js';
import { decodePem, publicKeyPem } from '../../src/signing/pem-key.js';
import { verifyEnvelope } from '../../src/signing/sign-payload.js';
import { runCli } from '../harness/run-built-cli.js';
import { pkcs8Pem, testKeys } from '../signing/keys.js';

// `payload --sign`: the offline signing path, on the demo's embedded run written to files.

let root: string;
let inputs: string[];
let keyDir: string;
const PASSWORD = 'payload-sign-pw';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'payload-sign-'));
  await writeFile(join(root, 'pr.json'), JSON.stringify(demoPipelineRun));
  await writeFile(
    join(root, 'trs.json'),
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: demoTaskRuns }),
  );
  inputs = [
    'payload',
    '--pipelinerun',
    join(root, 'pr.json'),
    '--taskruns',
    join(root, 'trs.json'),
    '--exclude-taskrun',
    DEMO_ATTEST_TASKRUN,
  ];
  keyDir = join(root, 'keys');
  const made = await runCli(['keygen', '--output-dir', keyDir], { env: { COSIGN_PASSWORD: PASSWORD } });
  expect(made.code, made.stderr).toBe(0);
});

describe('tekton-attest payload --sign', () => {
  it('writes a verifying envelope whose payload is exactly the --output statement', async () => {
    const envelopePath = join(root, 'out1.envelope.json');
    const statementPath = join(root, 'out1.statement.json');
    const result = await runCli(
      [
        ...inputs,
        '--sign',
        '--key',
        join(keyDir, 'cosign.key'),
        '--output-envelope',
        envelopePath,
        '--output',
        statementPath,
      ],
      { env: { COSIGN_PASSWORD: PASSWORD } },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    const text = await readFile(envelopePath, 'utf8');
    const envelope = parseEnvelope(text, envelopePath);
    expect(verifyEnvelope(envelope, await readFile(join(keyDir, 'cosign.pub'), 'utf8'))).toBe(true);
    expect(Buffer.from(envelope.payload, 'base64').equals(await readFile(statementPath))).toBe(true);
    expect(result.stderr).toContain(`wrote the DSSE envelope to ${envelopePath}`);
    expect(result.stderr + result.stdout).not.toContain(PASSWORD);
  });

  it('prints the statement on stdout and the envelope to the file when --output is not given', async () => {
    const envelopePath = join(root, 'out2.envelope.json');
    const result = await runCli(
      [
        ...inputs,
        '--format',
        'slsa/v1',
        '--sign',
        '--key',
        join(keyDir, 'cosign.key'),
        '--output-envelope',
        envelopePath,
      ],
      { env: { COSIGN_PASSWORD: PASSWORD } },
    );
    expect(result.code, result.stderr).toBe(0);
    const envelope = parseEnvelope(await readFile(envelopePath, 'utf8'), envelopePath);
    expect(`${Buffer.from(envelope.payload, 'base64').toString('utf8')}\n`).toBe(result.stdout);
    expect(JSON.parse(result.stdout).predicateType).toBe('https://slsa.dev/provenance/v0.2');
  });

  it('prints only the envelope on stdout without --output-envelope', async () => {
    const result = await runCli([...inputs, '--sign', '--key', join(keyDir, 'cosign.key')], {
      env: { COSIGN_PASSWORD: PASSWORD },
    });
    expect(result.code, result.stderr).toBe(0);
    const envelope = parseEnvelope(result.stdout.trim(), 'stdout');
    expect(verifyEnvelope(envelope, await readFile(join(keyDir, 'cosign.pub'), 'utf8'))).toBe(true);
  });

  it('reads the password from --key-password-file, and signs with an x509.pem directory', async () => {
    const pwFile = join(root, 'pw');
    await writeFile(pwFile, `${PASSWORD}\n`);
    const viaFile = await runCli(
      [
        ...inputs,
        '--sign',
        '--key',
        join(keyDir, 'cosign.key'),
        '--key-password-file',
        pwFile,
        '--output-envelope',
        join(root, 'pwf.json'),
      ],
      { env: { COSIGN_PASSWORD: undefined } },
    );
    expect(viaFile.code, viaFile.stderr).toBe(0);

    const x509Dir = join(root, 'x509');
    await mkdir(x509Dir);
    const key = testKeys.p256();
    await writeFile(join(x509Dir, 'x509.pem'), pkcs8Pem(key));
    const out = join(root, 'x509.envelope.json');
    const viaPem = await runCli([...inputs, '--sign', '--key', x509Dir, '--output-envelope', out]);
    expect(viaPem.code, viaPem.stderr).toBe(0);
    expect(verifyEnvelope(parseEnvelope(await readFile(out, 'utf8'), out), publicKeyPem(key))).toBe(true);
  });

  it('fails on a wrong password with the key path and a hint, writes nothing, prints no secret or stack', async () => {
    const envelopePath = join(root, 'wrong.envelope.json');
    const statementPath = join(root, 'wrong.statement.json');
    const keyPath = join(keyDir, 'cosign.key');
    const result = await runCli(
      [...inputs, '--sign', '--key', keyPath, '--output-envelope', envelopePath, '--output', statementPath],
      { env: { COSIGN_PASSWORD: 'definitely-wrong' } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot decrypt cosign key at ${keyPath}: wrong password`);
    expect(result.stderr).toContain('fix:');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const output = result.stdout + result.stderr;
    expect(output).not.toContain('definitely-wrong');
    expect(output).not.toContain(PASSWORD);
    const keyBody = decodePem(await readFile(keyPath, 'utf8'), 'k').der.toString('base64');
    expect(output).not.toContain(keyBody.slice(0, 40));
    await expect(stat(envelopePath)).rejects.toThrow();
    await expect(stat(statementPath)).rejects.toThrow();
  });

  it('refuses an unsupported key type with KEY_UNSUPPORTED wording', async () => {
    const p384 = join(root, 'p384.pem');
    await writeFile(p384, pkcs8Pem(testKeys.p384()));
    const result = await runCli([...inputs, '--sign', '--key', p384]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`key file ${p384} holds an unsupported key type (ECDSA secp384r1)`);
    expect(result.stdout).toBe('');
  });

  it('reports usage errors with exit 2: --sign without --key, --output-envelope without --sign, k8s:// offline', async () => {
    const noKey = await runCli([...inputs, '--sign']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('--sign needs --key');
    const noSign = await runCli([...inputs, '--output-envelope', join(root, 'x.json')]);
    expect(noSign.code).toBe(2);
    expect(noSign.stderr).toContain('--output-envelope needs --sign');
    const k8s = await runCli([...inputs, '--sign', '--key', 'k8s://tekton-chains/signing-secrets']);
    expect(k8s.code).toBe(2);
    expect(k8s.stderr).toMatch(/needs the Kubernetes API/);
  });
});
