import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeySigner } from '../../src/signing/load-key.js';
import { decodePem } from '../../src/signing/pem-key.js';
import { runCli } from '../harness/run-built-cli.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'keygen-cli-'));
});

/** The base64 body of a PEM, which must never show up in any output. */
function pemBody(pem: string): string {
  return decodePem(pem, 'pem').der.toString('base64').slice(0, 40);
}

describe('tekton-attest keygen', () => {
  it('writes an encrypted cosign.key (0600) and cosign.pub that load back with the password from COSIGN_PASSWORD', async () => {
    const dir = join(root, 'env');
    const password = 'env-password-123';
    const result = await runCli(['keygen', '--output-dir', dir], { env: { COSIGN_PASSWORD: password } });
    expect(result.code, result.stderr).toBe(0);
    const key = await readFile(join(dir, 'cosign.key'), 'utf8');
    const pub = await readFile(join(dir, 'cosign.pub'), 'utf8');
    expect(key).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect((await stat(join(dir, 'cosign.key'))).mode & 0o777).toBe(0o600);
    const signer = await loadKeySigner({ key: join(dir, 'cosign.key'), env: { COSIGN_PASSWORD: password } });
    expect(signer.publicKeyPem()).toBe(pub);
    expect(signer.algorithm).toBe('ECDSA P-256');
    const output = result.stdout + result.stderr;
    expect(output).toContain(join(dir, 'cosign.key'));
    expect(output).not.toContain(password);
    expect(output).not.toContain(pemBody(key));
    await expect(
      loadKeySigner({ key: join(dir, 'cosign.key'), env: { COSIGN_PASSWORD: '' } }),
    ).rejects.toMatchObject({
      code: 'KEY_PASSWORD',
    });
  });

  it('takes --password-file (one trailing newline dropped) over COSIGN_PASSWORD', async () => {
    const dir = join(root, 'file');
    const pwFile = join(root, 'pw.txt');
    await writeFile(pwFile, 'file-password-456\n');
    const result = await runCli(['keygen', '--output-dir', dir, '--password-file', pwFile], {
      env: { COSIGN_PASSWORD: 'ignored-env' },
    });
    expect(result.code, result.stderr).toBe(0);
    const signer = await loadKeySigner({
      key: join(dir, 'cosign.key'),
      env: { COSIGN_PASSWORD: 'file-password-456' },
    });
    expect(signer.publicKeyPem()).toBe(await readFile(join(dir, 'cosign.pub'), 'utf8'));
    expect(result.stderr).not.toContain('file-password-456');
  });

  it('uses an empty password when none is given, and says so', async () => {
    const dir = join(root, 'empty');
    const result = await runCli(['keygen', '--output-dir', dir], { env: { COSIGN_PASSWORD: undefined } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/EMPTY password/);
    await loadKeySigner({ key: dir, env: {} });
  });

  it('never overwrites an existing pair without --force, and replaces it with --force', async () => {
    const dir = join(root, 'force');
    expect((await runCli(['keygen', '--output-dir', dir], { env: { COSIGN_PASSWORD: '' } })).code).toBe(0);
    const before = await readFile(join(dir, 'cosign.key'), 'utf8');
    const again = await runCli(['keygen', '--output-dir', dir], { env: { COSIGN_PASSWORD: '' } });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${join(dir, 'cosign.key')} already exists`);
    expect(again.stderr).toContain('--force');
    expect(again.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await readFile(join(dir, 'cosign.key'), 'utf8')).toBe(before);
    const forced = await runCli(['keygen', '--output-dir', dir, '--force'], { env: { COSIGN_PASSWORD: '' } });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(dir, 'cosign.key'), 'utf8')).not.toBe(before);
    expect((await stat(join(dir, 'cosign.key'))).mode & 0o777).toBe(0o600);
  });

  it('refuses when only cosign.pub exists, leaving no half-written pair', async () => {
    const dir = join(root, 'half');
    await runCli(['keygen', '--output-dir', dir], { env: { COSIGN_PASSWORD: '' } });
    await rm(join(dir, 'cosign.key'));
    const result = await runCli(['keygen', '--output-dir', dir], { env: { COSIGN_PASSWORD: '' } });
    expect(result.code).toBe(2);
    await expect(stat(join(dir, 'cosign.key'))).rejects.toThrow();
  });

  it('names an unreadable --password-file', async () => {
    const result = await runCli([
      'keygen',
      '--output-dir',
      join(root, 'nopw'),
      '--password-file',
      join(root, 'none'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`password file ${join(root, 'none')} cannot be read`);
    await expect(stat(join(root, 'nopw', 'cosign.key'))).rejects.toThrow();
  });
});
