// The real cosign CLI as a test peer (built from the Go module proxy by
// scripts/peers/build-cosign.sh, or taken from $COSIGN_BIN).
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, peerVersions } from './versions.js';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path of the cosign binary: `$COSIGN_BIN` if set, else the cached build
 * `<cache>/peers/cosign-<version>/cosign`. Throws (telling how to build it) when missing.
 */
export function cosignBin(): string {
  const override = process.env.COSIGN_BIN;
  if (override) {
    if (isExecutable(override)) return override;
    throw new Error(`COSIGN_BIN=${override} is not an executable file`);
  }
  const bin = join(cacheRoot(), 'peers', `cosign-${peerVersions.cosign}`, 'cosign');
  if (!isExecutable(bin)) {
    throw new Error(
      `cosign ${peerVersions.cosign} is not built (${bin} missing): run scripts/peers/build-cosign.sh ` +
        '(or scripts/peers/build-all.sh), or set COSIGN_BIN',
    );
  }
  return bin;
}

export interface RunCosignOptions {
  /** Extra environment, merged over process.env (a value of undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** Working directory. */
  cwd?: string;
  /** Written to cosign's stdin (e.g. a key password for `--key` prompts), then stdin is closed. */
  input?: string | Buffer;
  /** Kill cosign after this many ms (default 120000). The result then has code null. */
  timeoutMs?: number;
}

export interface CosignResult {
  /** Exit code; null when killed by a signal or the timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run cosign with `args`. Never throws for a non-zero exit: check `code`.
 * (Pass `--yes` yourself where cosign would prompt; stdin is closed after `input`.)
 */
export function runCosign(args: readonly string[], opts: RunCosignOptions = {}): Promise<CosignResult> {
  const bin = cosignBin();
  const env: Record<string, string> = {};
  const merged = { ...process.env, ...opts.env };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, [...args], { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
