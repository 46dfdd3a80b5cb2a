import type { Policy } from '../config/policy.js';
import { describeReference, type RunVerdict, type Violation } from './policy.js';

/** What `verify --policy` decided about an image: one verdict per verified provenance statement. */
export interface PolicyReport {
  image: string;
  policy: string;
  /** True when there is at least one verdict and every verdict allows. */
  allow: boolean;
  verdicts: { source: string; verdict: RunVerdict }[];
}

/**
 * A run-controlled value made safe for a terminal: control characters (escape sequences that could rewrite
 * the screen, carriage returns that could hide a line) and bidirectional overrides become visible escapes.
 */
export function printable(value: string): string {
  return value.replace(
    /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The tree a person reads: per statement the run's tasks in execution order, their references and images. */
export function policyTree(report: PolicyReport, policy: Policy): string {
  const lines = [`${printable(report.image)}  policy ${printable(policy.source)}`];
  if (report.verdicts.length === 0) lines.push('  no verified SLSA provenance to evaluate');
  for (const { source, verdict } of report.verdicts) {
    const { run } = verdict;
    lines.push(`  ${printable(source)}`);
    lines.push(`    ${printable(run.predicateType)}${run.buildType ? `  ${printable(run.buildType)}` : ''}`);
    lines.push(
      `    builder ${printable(run.builderId ?? '(none)')}  ${rulesLine(verdict.violations, 'builderIds', policy.builderIds.length > 0)}`,
    );
    run.tasks.forEach((task, i) => {
      const last = i === run.tasks.length - 1;
      const branch = last ? '└─' : '├─';
      const indent = last ? '   ' : '│  ';
      const taskViolations = verdict.violations.filter((v) => v.task === task.name);
      const mark = taskViolations.length > 0 ? 'DENY' : 'ok  ';
      const after = task.after.length > 0 ? `  after ${task.after.map(printable).join(', ')}` : '';
      lines.push(`    ${branch} ${mark} ${printable(task.name)}${after}`);
      lines.push(`    ${indent}    ${printable(describeReference(task.reference))}`);
      const trusted = verdict.trustedBy[i];
      if (trusted) lines.push(`    ${indent}    trusted by ${printable(trusted)}`);
      for (const image of task.images) lines.push(`    ${indent}    built ${printable(image)}`);
      for (const v of taskViolations) lines.push(`    ${indent}    ✗ ${v.rule}: ${printable(v.message)}`);
    });
    for (const v of verdict.violations.filter((v) => v.task === undefined && v.rule !== 'builderIds')) {
      lines.push(`    ✗ ${v.rule}: ${printable(v.message)}`);
    }
    lines.push(
      `    ${verdict.allow ? 'ALLOWED' : `DENIED (${verdict.violations.length} violation${verdict.violations.length === 1 ? '' : 's'})`}`,
    );
  }
  lines.push(report.allow ? 'allowed' : 'denied');
  return `${lines.join('\n')}\n`;
}

function rulesLine(violations: Violation[], rule: Violation['rule'], active: boolean): string {
  if (!active) return '(any builder allowed)';
  return violations.some((v) => v.rule === rule) ? `✗ ${rule}` : `✓ ${rule}`;
}

/** `--output json`: the decision and its reasons first, then the runs they are about. */
export function policyJson(report: PolicyReport): string {
  const violations = report.verdicts.flatMap(({ source, verdict }) =>
    verdict.violations.map((v) => ({ rule: v.rule, task: v.task ?? null, message: v.message, source })),
  );
  if (report.verdicts.length === 0) {
    violations.push({
      rule: 'provenance',
      task: null,
      message: 'no verified SLSA provenance to evaluate',
      source: report.image,
    });
  }
  const runs = report.verdicts.map(({ source, verdict }) => ({
    source,
    allow: verdict.allow,
    predicateType: verdict.run.predicateType,
    buildType: verdict.run.buildType ?? null,
    builderId: verdict.run.builderId ?? null,
    tasks: verdict.run.tasks.map((task, i) => ({ ...task, trustedBy: verdict.trustedBy[i] ?? null })),
  }));
  return `${JSON.stringify({ allow: report.allow, image: report.image, policy: report.policy, violations, runs }, null, 2)}\n`;
}
