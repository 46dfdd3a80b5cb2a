// Real signed attestations for storage and verify tests: a fresh ECDSA P-256 key, an in-toto statement about
// the given images, and the DSSE envelope from src/signing (what `attest` hands to every backend).
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeImageSignatures } from '../../src/commands/image-signatures.js';
import { signAttestation } from '../../src/commands/sign.js';
import {
  PREDICATE_SLSA_V1,
  STATEMENT_V1,
  type Statement,
  type Subject,
} from '../../src/provenance/statement.js';
import { KeySigner } from '../../src/signing/key-signer.js';
import type { Signer } from '../../src/signing/types.js';
import type { SignedAttestation, StorageOutcome } from '../../src/storage/backend.js';
import type { OciReferrerStorage } from '../../src/storage/oci-referrer.js';
import type { OciTagStorage } from '../../src/storage/oci-tag.js';

export interface TestKey {
  signer: KeySigner;
  privateKey: KeyObject;
  publicKeyPem: string;
  /** A file holding the public key (for --key and cosign). */
  publicKeyFile: string;
  /** A file holding the unencrypted PKCS#8 private key. */
  privateKeyFile: string;
}

export function testKey(): TestKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = new KeySigner(privateKey, 'test key');
  const dir = mkdtempSync(join(tmpdir(), 'tekton-attest-key-'));
  const publicKeyFile = join(dir, 'cosign.pub');
  const privateKeyFile = join(dir, 'x509.pem');
  writeFileSync(publicKeyFile, signer.publicKeyPem());
  writeFileSync(privateKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return { signer, privateKey, publicKeyPem: signer.publicKeyPem(), publicKeyFile, privateKeyFile };
}

/** A SLSA v1 statement about `subjects`; `nonce` makes statements differ (concurrent writers). */
export function provenance(subjects: Subject[], nonce = randomBytes(4).toString('hex')): Statement {
  return {
    _type: STATEMENT_V1,
    subject: subjects,
    predicateType: PREDICATE_SLSA_V1,
    predicate: {
      buildDefinition: {
        buildType: 'https://tekton.dev/chains/v2/slsa',
        externalParameters: { runSpec: { pipelineRef: { name: 'build' } } },
        internalParameters: {},
        resolvedDependencies: [],
      },
      runDetails: {
        builder: { id: 'https://tekton.dev/chains/v2' },
        metadata: { invocationID: `test-${nonce}` },
      },
    },
  };
}

export function imageSubject(host: string, repository: string, digest: string): Subject {
  return { name: `${host}/${repository}`, digest: { sha256: digest.replace('sha256:', '') } };
}

export async function signed(statement: Statement, key: TestKey): Promise<SignedAttestation> {
  return signAttestation(statement, key.signer, Buffer.from(JSON.stringify(statement)));
}

/**
 * What `attest` stores in an oci backend for a run whose image subjects are the images its TaskRuns built:
 * the attestation next to each subject, and each subject's image signature (signed and, with `rekorUrl`,
 * logged first), side by side as attest writes them.
 */
export async function storeWithImageSignatures(
  backend: OciTagStorage | OciReferrerStorage,
  attestation: SignedAttestation,
  signer: Signer,
  rekorUrl?: string,
): Promise<{ attestation: StorageOutcome; signatures: StorageOutcome }> {
  const [stored, signatures] = await Promise.all([
    backend.store(attestation),
    storeImageSignatures(backend, attestation.statement.subject, signer, rekorUrl),
  ]);
  return { attestation: stored, signatures };
}
