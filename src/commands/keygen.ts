import { readFile } from 'node:fs/promises';
import type { KeygenConfig } from '../config/keygen.js';
import { AttestError } from '../errors.js';
import { log, redact } from '../log.js';
import { writeCosignKeyPair } from '../signing/keygen.js';

/**
 * The password cosign.key is encrypted with: `--password-file` (one trailing newline dropped, since
 * `echo pw > file` adds it), else COSIGN_PASSWORD, else empty, as `cosign generate-key-pair` with
 * COSIGN_PASSWORD set. Never prompts: keygen also runs in scripts and pods.
 */
async function keygenPassword(options: KeygenConfig): Promise<{ bytes: Buffer; origin: string }> {
  if (options.passwordFile) {
    let text: string;
    try {
      text = await readFile(options.passwordFile, 'utf8');
    } catch {
      throw new AttestError('NOT_FOUND', `password file ${options.passwordFile} cannot be read`, {
        hint: 'check the --password-file path',
      });
    }
    return { bytes: Buffer.from(text.replace(/\r?\n$/, ''), 'utf8'), origin: options.passwordFile };
  }
  const env = process.env.COSIGN_PASSWORD;
  if (env !== undefined) return { bytes: Buffer.from(env, 'utf8'), origin: 'COSIGN_PASSWORD' };
  return { bytes: Buffer.alloc(0), origin: '' };
}

/** `tekton-attest keygen`: a cosign-compatible key pair (cosign.key encrypted, cosign.pub). */
export async function runKeygen(options: KeygenConfig): Promise<void> {
  const password = await keygenPassword(options);
  redact(password.bytes.toString('utf8'));
  const written = await writeCosignKeyPair(options.outputDir, password.bytes, { force: options.force });
  log.info(`Private key written to ${written.keyPath} (mode 0600)`);
  log.info(`Public key written to ${written.publicKeyPath}`);
  if (password.bytes.length === 0) {
    log.warn(
      'cosign.key is encrypted with an EMPTY password; set COSIGN_PASSWORD or --password-file to use one',
    );
  } else {
    log.info(`cosign.key is encrypted with the password from ${password.origin}`);
  }
}
