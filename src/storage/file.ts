import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../files.js';
import type { SignedAttestation, StorageBackend, StorageOutcome } from './backend.js';

/**
 * `file` storage (`--output-dir`): the statement, the DSSE envelope (what `cosign verify-blob-attestation
 * --signature` reads), and the certificate and sigstore bundle when there are any. Each file is written
 * beside its final name and renamed, so a reader never sees half a file.
 */
export class FileStorage implements StorageBackend {
  readonly name = 'file' as const;

  /** `baseName` names the files, e.g. the PipelineRun's name. */
  constructor(
    private readonly dir: string,
    private readonly baseName: string,
  ) {}

  async store(attestation: SignedAttestation): Promise<StorageOutcome> {
    await mkdir(this.dir, { recursive: true });
    const files: [string, string | Uint8Array][] = [
      [`${this.baseName}.statement.json`, attestation.payload],
      [`${this.baseName}.envelope.json`, attestation.envelopeJson],
    ];
    if (attestation.certificatePem) {
      files.push([`${this.baseName}.cert.pem`, attestation.certificatePem + (attestation.chainPem ?? '')]);
    }
    if (attestation.sigstoreBundle) {
      files.push([`${this.baseName}.sigstore.json`, JSON.stringify(attestation.sigstoreBundle)]);
    }
    const written: string[] = [];
    for (const [file, content] of files) {
      const path = join(this.dir, file);
      await writeFileAtomically(path, content);
      written.push(path);
    }
    return { backend: this.name, ok: true, locations: written };
  }
}
