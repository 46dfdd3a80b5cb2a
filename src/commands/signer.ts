import type { SignerConfig } from '../config/attest.js';
import { DEFAULTS } from '../config/defaults.js';
import type { SecretSource } from '../kube/secrets.js';
import type { KeylessSigner } from '../signing/keyless.js';
import { loadKeySigner } from '../signing/load-key.js';
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
