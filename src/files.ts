import { open, rename, rm, writeFile } from 'node:fs/promises';
import { AttestError } from './errors.js';
import { formatBytes } from './limits.js';

/** Writes via a temporary file and a rename, so a failure never leaves half a file behind. */
export async function writeFileAtomically(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.partial-${process.pid}`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new AttestError(
      'STORAGE_FAILED',
      `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        hint: 'check that the path names a file in an existing, writable directory',
        cause: error,
      },
    );
  }
}

/**
 * A file's text, refusing more than `maxBytes`: input files are untrusted in size (`--pipelinerun /dev/zero`,
 * a FIFO, a 2 GB dump), so it is read in pieces and stops one byte past the limit instead of growing until
 * the process dies. `what` names the file and `flag` the option that raises the limit, in the error.
 */
export async function readTextWithin(
  path: string,
  maxBytes: number,
  what: { name: string; flag: string },
): Promise<string> {
  const file = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, maxBytes + 1 - size));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      size += bytesRead;
      if (size > maxBytes) {
        throw new AttestError('INVALID_INPUT', `${what.name} is larger than ${formatBytes(maxBytes)}`, {
          hint: `check that it is the file meant; if it is, raise the limit with ${what.flag} (e.g. ${what.flag} ${formatBytes(maxBytes * 4).replace(' ', '')})`,
        });
      }
    }
    return Buffer.concat(chunks, size).toString('utf8');
  } finally {
    await file.close();
  }
}
