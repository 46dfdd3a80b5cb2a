import { readFile } from 'node:fs/promises';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { AttestError } from '../errors.js';

/**
 * The sigstore trust anchors `verify` checks certificates and log entries against: `--trusted-root FILE`
 * (sigstore's trusted_root.json, e.g. from `cosign trusted-root create` for a private deployment), else
 * the public-good instance's root, fetched and verified through TUF (as cosign does).
 */
export async function loadTrustedRoot(path: string | undefined): Promise<TrustedRoot> {
  if (path) return readTrustedRoot(path);
  try {
    const { getTrustedRoot } = await import('@sigstore/tuf');
    return await getTrustedRoot();
  } catch (error) {
    throw new AttestError(
      'VERIFY_FAILED',
      `cannot fetch the public sigstore trusted root through TUF: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'pass --trusted-root FILE (a trusted_root.json for the Fulcio/Rekor the signer used), or allow access to tuf-repo-cdn.sigstore.dev',
      },
    );
  }
}

async function readTrustedRoot(path: string): Promise<TrustedRoot> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new AttestError(
      'INVALID_INPUT',
      `--trusted-root ${path} cannot be read as JSON: ${(error as Error).message}`,
      {
        hint: 'pass a sigstore trusted_root.json',
      },
    );
  }
  try {
    const root = TrustedRoot.fromJSON(json);
    if (!root.mediaType.startsWith('application/vnd.dev.sigstore.trustedroot'))
      throw new Error(`mediaType ${root.mediaType || '(none)'}`);
    return root;
  } catch (error) {
    throw new AttestError(
      'INVALID_INPUT',
      `--trusted-root ${path} is not a sigstore trusted root (${(error as Error).message})`,
      {
        hint: 'expected mediaType application/vnd.dev.sigstore.trustedroot+json;version=0.1 with tlogs and certificateAuthorities',
      },
    );
  }
}

/** A root that trusts nothing: key-signed, unlogged signatures need no sigstore anchors. */
export function emptyTrustedRoot(): TrustedRoot {
  return TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' });
}
