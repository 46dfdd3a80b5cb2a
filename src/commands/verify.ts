import type { TrustedRoot } from '@sigstore/protobuf-specs';
import type { VerifyConfig } from '../config/verify.js';
import { AttestError } from '../errors.js';
import { escapeControls, log } from '../log.js';
import { loadVerificationKey } from '../verify/key.js';
import { loadTrustedRoot } from '../verify/trusted-root.js';
import {
  type Verdict,
  type VerifyReport,
  verifyAttestations,
  verifyImageSignatures,
} from '../verify/verify-image.js';
import { step, withinDeadline } from './deadline.js';
import { kubeSecrets, lazyKubeClient } from './kube.js';
import { openRegistry } from './registry.js';

/** `tekton-attest verify IMAGE`: prints what verified; fails (exit 1) when nothing did, with each reason. */
export function runVerify(config: VerifyConfig): Promise<void> {
  return withinDeadline('verify', config.timeoutMs, () => verify(config));
}

async function verify(config: VerifyConfig): Promise<void> {
  step('load the verification key');
  const publicKeyPem = config.key
    ? await loadVerificationKey(config.key, {
        secrets: kubeSecrets(lazyKubeClient(config.kube)),
        passwordFile: config.keyPasswordFile,
      })
    : undefined;
  let root: Promise<TrustedRoot> | undefined;
  const client = await openRegistry(config.registry);
  let report: VerifyReport;
  step(`read and verify what is stored for ${config.image}`);
  try {
    const request = {
      client,
      image: config.image,
      ...(config.predicateType ? { predicateType: config.predicateType } : {}),
      ...(config.storeRepository ? { storeRepository: config.storeRepository } : {}),
      sigstore: {
        ...(publicKeyPem ? { publicKeyPem } : {}),
        identity: config.identity,
        ignoreTlog: config.ignoreTlog,
        trustedRoot: () => {
          root ??= loadTrustedRoot(config.trustedRoot);
          return root;
        },
      },
    };
    report = config.signatures ? await verifyImageSignatures(request) : await verifyAttestations(request);
  } finally {
    await client.close();
  }
  const what = config.signatures ? 'signature' : 'attestation';
  const verified = report.verdicts.filter((v) => v.ok);
  if (config.summary) {
    process.stdout.write(summary(report, what));
  } else {
    for (const verdict of verified) {
      const line = verdict.statement ?? { image: report.image, source: verdict.source, verified: true };
      process.stdout.write(`${terminalSafeJson(line)}\n`);
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
            ? `check the image, --oci-repository, and that attest ran with oci storage${config.signatures ? ' and --sign-images' : ''}`
            : 'each line above says why; a key-signed attestation made without --transparency needs --insecure-ignore-tlog',
      },
    );
  }
  log.info(`verified ${verified.length} of ${report.verdicts.length} ${what}s for ${report.image}`);
}

/**
 * JSON whose text is also safe on a terminal: the statement comes from a registry, and JSON.stringify
 * leaves C1 controls and bidirectional overrides as raw characters; written as \u escapes, it is the same JSON.
 */
function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/** The --summary text; every value in it comes from the registry or the command line, so it is escaped. */
function summary(report: VerifyReport, what: string): string {
  const lines = [escapeControls(report.image)];
  for (const verdict of report.verdicts) lines.push(summaryLine(verdict));
  const ok = report.verdicts.filter((v) => v.ok).length;
  lines.push(`${ok} of ${report.verdicts.length} ${what}s verified`);
  return `${lines.join('\n')}\n`;
}

function summaryLine(verdict: Verdict): string {
  const layout = verdict.layout === 'tag' ? '.att' : verdict.layout === 'signature' ? '.sig' : 'bundle';
  const source = escapeControls(verdict.source);
  if (!verdict.ok)
    return `  FAIL ${layout.padEnd(6)} ${source}\n       ${escapeControls(verdict.reason ?? '')}`;
  const signer = verdict.signer?.identity?.subjectAlternativeName ?? verdict.signer?.kind ?? 'key';
  const logged = verdict.signer?.tlog ? ` rekor#${verdict.signer.tlog.logIndex}` : '';
  const type = verdict.statement?.predicateType ?? '';
  return `  OK   ${layout.padEnd(6)} ${source} ${escapeControls(`${type} (${signer}${logged})`)}`.trimEnd();
}
