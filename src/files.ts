import { rename, rm, writeFile } from 'node:fs/promises';

/** Writes via a temporary file and a rename, so a failure never leaves half a file behind. */
export async function writeFileAtomically(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.partial-${process.pid}`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
