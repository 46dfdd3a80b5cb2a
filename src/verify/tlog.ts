import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { AttestError } from '../errors.js';
import type { TlogEntry } from '../signing/types.js';

interface EntryBody {
  kind?: string;
  apiVersion?: string;
  spec?: {
    envelopeHash?: { value?: string };
    signatures?: { verifier?: string }[];
    content?: { envelope?: { signatures?: { publicKey?: string }[] } };
    signature?: { publicKey?: { content?: string } };
  };
}

/**
 * The checks cosign makes on a Rekor entry that @sigstore/verify leaves out (it checks the SET or inclusion
 * proof, the signature bytes and the payload hash): for the `.att` layout, the entry's envelopeHash must be
 * sha256 of the stored layer bytes, and the entry's verifier (dsse, intoto, or a `.sig`'s hashedrekord) must
 * be the signing certificate or key.
 */
export function checkEntryMatchesLayer(
  entry: TlogEntry,
  stored: { envelopeJson?: string; signerDer: Buffer },
  source: string,
): void {
  let body: EntryBody;
  try {
    body = JSON.parse(Buffer.from(entry.body, 'base64').toString('utf8')) as EntryBody;
  } catch {
    throw new AttestError('VERIFY_FAILED', `${source}: the Rekor entry body is not JSON`);
  }
  const fail = (what: string) =>
    new AttestError('VERIFY_FAILED', `${source}: the Rekor entry (logIndex ${entry.logIndex}) ${what}`, {
      hint: 'the transparency-log entry belongs to another signature; re-run attest to store a matching one',
    });
  if (body.kind === 'dsse' && stored.envelopeJson !== undefined) {
    const layerHash = createHash('sha256').update(stored.envelopeJson).digest('hex');
    if (body.spec?.envelopeHash?.value !== layerHash) {
      throw fail(
        `logs envelope sha256:${body.spec?.envelopeHash?.value ?? '(none)'}, not the stored layer sha256:${layerHash}`,
      );
    }
  }
  const verifiers =
    body.kind === 'dsse'
      ? (body.spec?.signatures ?? []).map((s) => s.verifier)
      : body.kind === 'intoto'
        ? (body.spec?.content?.envelope?.signatures ?? []).map((s) => s.publicKey)
        : body.kind === 'hashedrekord'
          ? [body.spec?.signature?.publicKey?.content]
          : [];
  const matches = verifiers.some((v) => v !== undefined && verifierDer(v)?.equals(stored.signerDer));
  if (!matches) throw fail('names a different signing key or certificate');
}

/** A Rekor verifier (base64 of a PEM certificate or public key) as DER, for comparison. */
function verifierDer(b64Pem: string): Buffer | undefined {
  const pem = Buffer.from(b64Pem, 'base64').toString('utf8');
  try {
    if (pem.includes('BEGIN CERTIFICATE')) return Buffer.from(new X509Certificate(pem).raw);
    return createPublicKey(pem).export({ format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}
