import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { AttestError } from '../errors.js';
import { log } from '../log.js';
import { RegistryClient } from '../oci/client.js';
import { dockerConfigSources } from '../oci/docker-config.js';
import type { SecretSource } from '../signing/load-key.js';
import { parseRepositoryOverride } from '../storage/oci-subjects.js';
import { identityPolicy } from './identity.js';
import { loadVerificationKey } from './key.js';
import { resolvePredicateType } from './predicate-types.js';
import { loadTrustedRoot } from './trusted-root.js';
import {
  type Verdict,
  type VerifyReport,
  verifyAttestations,
  verifyImageSignatures,
} from './verify-image.js';

/** The parsed `verify` options (see src/cli/commands/verify.ts). */
export interface VerifyArgs {
  image: string;
  key?: string;
  'key-password-file'?: string;
  type?: string;
  summary?: boolean;
  signature?: boolean;
  'oci-repository'?: string;
  'docker-config'?: string;
  'registry-ca'?: string;
  'insecure-registry'?: string[];
  'trusted-root'?: string;
  'insecure-ignore-tlog'?: boolean;
  kubeconfig?: string;
  context?: string;
  [option: string]: unknown;
}

/** `tekton-attest verify IMAGE`: prints what verified; fails (exit 1) when nothing did, with each reason. */
export async function runVerify(args: VerifyArgs): Promise<void> {
  const predicateType = resolvePredicateType(args.type);
  const identity = identityPolicy(args, args.key !== undefined);
  const publicKeyPem = args.key
    ? await loadVerificationKey(args.key, {
        secrets: args.key.startsWith('k8s://') ? await kubeSecrets(args) : undefined,
        passwordFile: args['key-password-file'],
      })
    : undefined;
  let root: Promise<TrustedRoot> | undefined;
  const client = new RegistryClient({
    credentials: dockerConfigSources({ dockerConfigDir: args['docker-config'] }),
    registryCaFiles: args['registry-ca'] ? [args['registry-ca']] : [],
    insecureRegistries: args['insecure-registry'] ?? [],
  });
  let report: VerifyReport;
  try {
    const request = {
      client,
      image: args.image,
      ...(predicateType ? { predicateType } : {}),
      ...(args['oci-repository']
        ? { storeRepository: parseRepositoryOverride(args['oci-repository'])! }
        : {}),
      sigstore: {
        ...(publicKeyPem ? { publicKeyPem } : {}),
        identity,
        ignoreTlog: args['insecure-ignore-tlog'] === true,
        trustedRoot: () => {
          root ??= loadTrustedRoot(args['trusted-root']);
          return root;
        },
      },
    };
    report = args.signature ? await verifyImageSignatures(request) : await verifyAttestations(request);
  } finally {
    await client.close();
  }
  const what = args.signature ? 'signature' : 'attestation';
  const verified = report.verdicts.filter((v) => v.ok);
  if (args.summary) {
    process.stdout.write(summary(report, what));
  } else {
    for (const verdict of verified) {
      const line = verdict.statement ?? { image: report.image, source: verdict.source, verified: true };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
    for (const verdict of report.verdicts.filter((v) => !v.ok))
      log.warn(`${verdict.source}: ${verdict.reason}`);
  }
  if (verified.length === 0) {
    const reasons = report.verdicts.map((v) => `\n  ${v.source}: ${v.reason}`).join('');
    throw new AttestError(
      'VERIFY_FAILED',
      report.verdicts.length === 0
        ? `no ${what} is stored for ${report.image}`
        : `none of the ${report.verdicts.length} ${what}s stored for ${report.image} verified:${reasons}`,
      {
        hint:
          report.verdicts.length === 0
            ? `check the image, --oci-repository, and that attest ran with oci storage${args.signature ? ' and --sign-images' : ''}`
            : 'each line above says why; a key-signed attestation made without --transparency needs --insecure-ignore-tlog',
      },
    );
  }
  log.info(`verified ${verified.length} of ${report.verdicts.length} ${what}s for ${report.image}`);
}

function summary(report: VerifyReport, what: string): string {
  const lines = [`${report.image}`];
  for (const verdict of report.verdicts) lines.push(summaryLine(verdict));
  const ok = report.verdicts.filter((v) => v.ok).length;
  lines.push(`${ok} of ${report.verdicts.length} ${what}s verified`);
  return `${lines.join('\n')}\n`;
}

function summaryLine(verdict: Verdict): string {
  const layout = verdict.layout === 'tag' ? '.att' : verdict.layout === 'signature' ? '.sig' : 'bundle';
  if (!verdict.ok) return `  FAIL ${layout.padEnd(6)} ${verdict.source}\n       ${verdict.reason}`;
  const signer = verdict.signer?.identity?.subjectAlternativeName ?? verdict.signer?.kind ?? 'key';
  const logged = verdict.signer?.tlog ? ` rekor#${verdict.signer.tlog.logIndex}` : '';
  const type = verdict.statement?.predicateType ?? '';
  return `  OK   ${layout.padEnd(6)} ${verdict.source} ${type} (${signer}${logged})`.trimEnd();
}

/** `--key k8s://NS/SECRET`: the Secret is read with the kubeconfig or the pod's service account. */
async function kubeSecrets(args: VerifyArgs): Promise<SecretSource> {
  const [{ loadKubeConnection }, { KubeClient }, { ApiSecretSource }] = await Promise.all([
    import('../kube/config.js'),
    import('../kube/client.js'),
    import('../kube/secrets.js'),
  ]);
  const connection = loadKubeConnection({ kubeconfig: args.kubeconfig, context: args.context });
  return new ApiSecretSource(new KubeClient(connection));
}
