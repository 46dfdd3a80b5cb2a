import { rename, rm, writeFile } from 'node:fs/promises';
import { AttestError } from './errors.js';

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
