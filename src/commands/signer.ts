import type { AttestConfig, SignerConfig } from '../config/attest.js';
import { DEFAULTS } from '../config/defaults.js';
import { AttestError } from '../errors.js';
import type { SecretSource } from '../kube/secrets.js';
import { TEKTON_FORMAT } from '../provenance/tekton-format.js';
import type { KeylessSigner } from '../signing/keyless.js';
import { loadKeySigner } from '../signing/load-key.js';
import { rawSignaturesLoggable } from '../signing/transparency.js';
import type { Signer } from '../signing/types.js';

/** The signer `attest` signs with: a key (decrypted now, so a bad key fails first) or keyless (Fulcio). */
export async function createSigner(config: SignerConfig, secrets: SecretSource): Promise<Signer> {
  if (config.kind === 'keyless') {
    // Keyless (and with it @sigstore/sign's HTTP stack) is loaded only when asked for.
    const [{ KeylessSigner }, { tokenSource }] = await Promise.all([
      import('../signing/keyless.js'),
      import('../signing/identity-token.js'),
    ]);
    return new KeylessSigner({
      fulcioUrl: config.fulcioUrl,
      tokenSource: tokenSource(config.identityTokenFile, DEFAULTS.identityTokenFile),
      ...(config.oidcIssuer ? { oidcIssuer: config.oidcIssuer } : {}),
    });
  }
  return loadKeySigner({ key: config.key, passwordFile: config.passwordFile, secrets });
}

/** The signer, for the summary: the key's source, or the keyless identity and Fulcio. */
export function describeSigner(signer: Signer): string {
  if (signer.kind === 'keyless') {
    const identity = (signer as KeylessSigner).identity();
    return identity
      ? `keyless: ${identity.certificate.subjectAlternativeName ?? '?'} (issuer ${identity.certificate.issuer ?? '?'}), Fulcio ${identity.fulcioUrl}`
      : 'keyless';
  }
  return 'source' in signer ? `key (${String(signer.source)})` : signer.kind;
}

/**
 * The legacy `tekton` format is a raw signature, which Rekor logs as a `hashedrekord`: not of an Ed25519 key
 * (see rawSignaturesLoggable). Refused before the run is read, so nothing is logged or written.
 */
export function assertTektonFormatLoggable(config: AttestConfig, signer: Signer): void {
  if (config.transparency.mode === 'false' || rawSignaturesLoggable(signer)) return;
  const flags = [
    ...(config.format.format === TEKTON_FORMAT ? ['--format tekton'] : []),
    ...(config.taskRuns.format.format === TEKTON_FORMAT && config.taskRuns.storage.length > 0
      ? ['--taskrun-format tekton']
      : []),
  ];
  if (flags.length === 0) return;
  throw new AttestError(
    'INVALID_ARGUMENT',
    `${flags.join(' and ')} with --transparency ${config.transparency.mode}: Rekor cannot log a raw Ed25519 signature`,
    {
      hint: 'sign with an ECDSA or RSA key (tekton-attest keygen and cosign generate-key-pair make ECDSA P-256 keys) or keyless, use an in-toto format, or --transparency false. Nothing was logged or written',
    },
  );
}
