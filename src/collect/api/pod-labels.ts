import { readFile } from 'node:fs/promises';
import { AttestError } from '../../errors.js';

/** Where the Task mounts the Downward API `metadata.labels` file (the Kubernetes docs' convention). */
export const DEFAULT_POD_LABELS_FILE = '/etc/podinfo/labels';

/**
 * Reads a Downward API labels file: one `key="value"` per line, the value Go-quoted. Returns undefined
 * when the file does not exist (not in a pod, or the Task does not mount it).
 */
export async function readPodLabels(file: string): Promise<Record<string, string> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AttestError(
      'INVALID_INPUT',
      `pod labels file ${file} cannot be read: ${(error as Error).message}`,
      {
        hint: 'check the Downward API volume of the Task (--pod-labels-file)',
      },
    );
  }
  return parsePodLabels(text, file);
}

export function parsePodLabels(text: string, file: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const match = /^([^=]+)=(".*")$/.exec(line.trim());
    let value: unknown;
    try {
      // Label values are [A-Za-z0-9._-]; Go's %q quoting of them is valid JSON.
      value = match ? JSON.parse(match[2]!) : undefined;
    } catch {
      value = undefined;
    }
    if (!match || typeof value !== 'string') {
      throw new AttestError('INVALID_INPUT', `pod labels file ${file}, line ${index + 1}: not key="value"`, {
        hint: 'mount fieldRef metadata.labels with the Downward API (it writes key="value" lines)',
      });
    }
    labels[match[1]!] = value;
  }
  return labels;
}
