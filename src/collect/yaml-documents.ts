import { parseAllDocuments } from 'yaml';
import { AttestError } from '../errors.js';

/** The documents of a YAML text (empty ones left out); a file that does not parse is named with the reason. */
export function yamlDocuments(file: string, text: string): unknown[] {
  const documents: unknown[] = [];
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
  return documents;
}
