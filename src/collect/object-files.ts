import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { AttestError } from '../errors.js';
import { readTextWithin } from '../files.js';

/**
 * Kubernetes objects from files, the raw input of the file collector (files.ts): JSON or YAML (several `---`
 * documents allowed), a single object or a `List`, or a directory of such files (*.json, *.yaml, *.yml, in
 * name order, no subdirectories). Each object comes with where it was found, for messages that name it.
 */
export interface Located {
  object: Record<string, unknown>;
  /** `file` or `file: items[3]` / `file: document 2`. */
  where: string;
  file: string;
}

const DATA_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

/** The objects of a file or directory, Lists expanded, each with where it was found. */
export async function readObjects(path: string, maxBytes: number): Promise<Located[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw new AttestError(
      'INVALID_INPUT',
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        hint: 'check the path',
      },
    );
  }
  const read = (file: string) => readTextWithin(file, maxBytes, { name: file, flag: '--max-input-size' });
  if (!isDirectory) return parseFile(path, await read(path));
  const entries = await readdir(path, { withFileTypes: true });
  const subdirectory = entries.find((entry) => entry.isDirectory());
  if (subdirectory) {
    // Not read silently past: its TaskRuns would be missing from the provenance without a word.
    throw new AttestError(
      'INVALID_INPUT',
      `${join(path, subdirectory.name)}: is a directory; a directory given to --taskruns may hold only files`,
      { hint: `pass it as another --taskruns ${join(path, subdirectory.name)}, or move it out of ${path}` },
    );
  }
  const names = entries
    .map((entry) => entry.name)
    .filter((name) => DATA_EXTENSIONS.has(extname(name)))
    .sort();
  const objects: Located[] = [];
  for (const name of names) {
    const file = join(path, name);
    objects.push(...(await parseFile(file, await read(file))));
  }
  return objects;
}

/** Parses a JSON or YAML text into its objects (Lists expanded). */
async function parseFile(file: string, text: string): Promise<Located[]> {
  const documents: unknown[] = [];
  if (extname(file) === '.json') {
    try {
      documents.push(JSON.parse(text));
    } catch (error) {
      throw new AttestError('INVALID_INPUT', `${file}: invalid JSON: ${(error as Error).message}`, {
        hint: 'fix the file, or save it again with kubectl get ... -o json',
      });
    }
  } else {
    // The YAML parser (0.1 MB of JavaScript) loads for YAML files only; as in config/chains-config.ts, a
    // CommonJS package's exports are the `default` of a dynamic import.
    const { parseAllDocuments } = (await import('yaml')).default;
    for (const document of parseAllDocuments(text)) {
      const problem = document.errors[0];
      if (problem) {
        const firstLine = problem.message.split('\n')[0] ?? problem.message;
        throw new AttestError('INVALID_INPUT', `${file}: invalid YAML: ${firstLine}`, {
          hint: 'fix the file, or save it again with kubectl get ... -o yaml',
        });
      }
      let value: unknown;
      try {
        value = document.toJS();
      } catch (error) {
        // The yaml library refuses aliases that expand too far (a "billion laughs" file) here.
        throw new AttestError('INVALID_INPUT', `${file}: unusable YAML: ${(error as Error).message}`, {
          hint: 'write the objects out without anchors and aliases (kubectl get ... -o yaml writes none)',
        });
      }
      if (value !== null && value !== undefined) documents.push(value);
    }
  }
  const located: Located[] = [];
  documents.forEach((document, index) => {
    const where = documents.length > 1 ? `${file}: document ${index + 1}` : file;
    if (!isMapping(document)) throw notAnObject(where);
    const kind = document.kind;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(document.items)) {
      document.items.forEach((item: unknown, i: number) => {
        if (!isMapping(item)) throw notAnObject(`${where}: items[${i}]`);
        located.push({ object: item, where: `${where}: items[${i}]`, file });
      });
    } else {
      located.push({ object: document, where, file });
    }
  });
  return located;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function notAnObject(where: string): AttestError {
  return new AttestError(
    'INVALID_INPUT',
    `${where}: is not a Kubernetes object (a mapping with kind and metadata)`,
    {
      hint: 'save objects with kubectl get ... -o json or -o yaml',
    },
  );
}
