import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AttestError } from '../errors.js';
import type { SecretSource } from '../kube/secrets.js';
import { loadKeySigner } from '../signing/load-key.js';
import { publicKeyFromPem } from '../signing/pem-key.js';

const K8S_PREFIX = 'k8s://';
const COSIGN_PUB = 'cosign.pub';

/**
 * The public key `verify --key` checks signatures with, as PEM: a public key file (cosign.pub), a
 * certificate (its key), or a private key (cosign.key, x509.pem: its public half; cosign reads only
 * cosign.pub, but Chains' signing-secrets often hold only x509.pem). `k8s://NS/SECRET` reads `cosign.pub`
 * from the Secret, else derives the key from the private key there.
 */
export async function loadVerificationKey(
  spec: string,
  options: { secrets?: SecretSource | undefined; passwordFile?: string | undefined } = {},
): Promise<string> {
  if (spec.startsWith(K8S_PREFIX)) {
    const [namespace = '', name = ''] = spec.slice(K8S_PREFIX.length).split('/');
    const data =
      options.secrets && namespace && name ? await options.secrets.readSecret(namespace, name) : undefined;
    const pub = data?.[COSIGN_PUB];
    if (pub && pub.length > 0)
      return checked(Buffer.from(pub).toString('utf8'), `${COSIGN_PUB} in secret ${namespace}/${name}`);
    return publicHalf(spec, options);
  }
  let text: string;
  try {
    text = await readFile(spec, 'utf8');
  } catch {
    throw new AttestError('NOT_FOUND', `--key ${spec} cannot be read`, {
      hint: 'pass the public key file (cosign.pub), e.g. from cosign generate-key-pair or tekton-attest keygen',
    });
  }
  if (text.includes('-----BEGIN PUBLIC KEY-----')) return checked(text, spec);
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    try {
      return new X509Certificate(text).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    } catch (error) {
      throw new AttestError('KEY_INVALID', `--key ${spec} holds an unreadable certificate`, { cause: error });
    }
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return publicHalf(spec, options);
  throw new AttestError('KEY_INVALID', `--key ${spec} holds no PEM public key`, {
    hint: 'pass a file with -----BEGIN PUBLIC KEY----- (cosign.pub)',
  });
}

function checked(pem: string, source: string): string {
  publicKeyFromPem(pem, source);
  return pem;
}

async function publicHalf(
  spec: string,
  options: { secrets?: SecretSource | undefined; passwordFile?: string | undefined },
): Promise<string> {
  const signer = await loadKeySigner({
    key: spec,
    passwordFile: options.passwordFile,
    secrets: options.secrets,
  });
  return createPublicKey(signer.publicKeyPem()).export({ format: 'pem', type: 'spki' }).toString();
}
