import type { TrustedRoot } from '@sigstore/protobuf-specs';
import type { Policy } from '../config/policy.js';
import type { VerifyConfig } from '../config/verify.js';
import { AttestError, isAttestError, reasonOf } from '../errors.js';
import { writeFileAtomically } from '../files.js';
import { escapeControls, log } from '../log.js';
import { loadVerificationKey } from '../verify/key.js';
import { evaluatePolicy } from '../verify/policy.js';
import { policyGraph } from '../verify/policy-graph.js';
import { type PolicyReport, policyJson, policyTree } from '../verify/policy-report.js';
import { attestedRun } from '../verify/run-tasks.js';
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

/**
 * `tekton-attest verify IMAGE`: prints what verified; fails (exit 1) when nothing did, with each reason.
 * With `--policy`, then evaluates the policy on the verified runs: exit 0 allowed, 1 denied, 2 when the
 * signatures themselves fail (so a denial is never confused with an unreadable or forged attestation).
 */
export function runVerify(config: VerifyConfig): Promise<void> {
  return withinDeadline('verify', config.timeoutMs, () => verifyAndEnforce(config));
}

async function verifyAndEnforce(config: VerifyConfig): Promise<void> {
  if (!config.policy) {
    await verifySignatures(config);
    return;
  }
  let report: VerifyReport;
  try {
    report = await verifySignatures(config);
  } catch (error) {
    if (isAttestError(error) && error.code.startsWith('INVALID')) throw error;
    throw new AttestError('SIGNATURES_UNVERIFIED', reasonOf(error), { cause: error });
  }
  await enforcePolicy(config, config.policy, report);
}

async function verifySignatures(config: VerifyConfig): Promise<VerifyReport> {
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
  } else if (config.policy) {
    for (const verdict of report.verdicts.filter((v) => !v.ok))
      log.warn(`${verdict.source}: ${verdict.reason}`);
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
            ? config.signatures
              ? 'check the image, --oci-repository, that a TaskRun of the run named it in its results, and that attest ran without --sign-images=false'
              : 'check the image, --oci-repository, and that attest ran with oci storage'
            : 'each line above says why; a key-signed attestation made without --transparency needs --insecure-ignore-tlog',
      },
    );
  }
  log.info(`verified ${verified.length} of ${report.verdicts.length} ${what}s for ${report.image}`);
  return report;
}

/** Evaluates the policy on every verified SLSA provenance statement; all must allow, and there must be one. */
async function enforcePolicy(config: VerifyConfig, policy: Policy, verified: VerifyReport): Promise<void> {
  const verdicts = verified.verdicts.flatMap(({ source, statement }) => {
    const run = statement ? attestedRun(statement) : undefined;
    return run ? [{ source, verdict: evaluatePolicy(policy, run) }] : [];
  });
  const report: PolicyReport = {
    image: verified.image,
    policy: policy.source,
    allow: verdicts.length > 0 && verdicts.every(({ verdict }) => verdict.allow),
    verdicts,
  };
  process.stdout.write(config.output === 'json' ? policyJson(report) : policyTree(report, policy));
  if (config.graph) {
    try {
      await writeFileAtomically(config.graph, policyGraph(report));
    } catch (error) {
      // A usage error (exit 2), so that exit 1 keeps meaning "denied".
      throw new AttestError(
        'INVALID_ARGUMENT',
        `--graph ${config.graph} cannot be written: ${reasonOf(error)}`,
        {
          hint: 'name a file in an existing, writable directory',
        },
      );
    }
    log.info(`wrote the run's graph to ${config.graph}`);
  }
  if (!report.allow) {
    const count = verdicts.reduce((sum, { verdict }) => sum + verdict.violations.length, 0);
    throw new AttestError(
      'POLICY_DENIED',
      verdicts.length === 0
        ? `${verified.image}: no verified SLSA provenance to evaluate ${policy.source} on`
        : `${verified.image} is denied by ${policy.source}: ${count} violation${count === 1 ? '' : 's'}`,
      {
        hint:
          verdicts.length === 0
            ? 'attest the run with an SLSA provenance format (slsa/v1 = v0.2, slsa/v2alpha3..4 = v1.0)'
            : 'each violation is listed above with its rule and task',
      },
    );
  }
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
