import type { Policy, TrustedTask } from '../config/policy.js';
import type { AttestedRun, TaskReference } from './run-tasks.js';

export type Rule = 'trustedTasks' | 'requiredTasks' | 'forbiddenTasks' | 'builderIds' | 'provenance';

export interface Violation {
  rule: Rule;
  /** The run's task it is about; undefined for the run as a whole. */
  task: string | undefined;
  message: string;
}

/** What a policy said about one attested run: per task, the trusted entry it matched (or why none did). */
export interface RunVerdict {
  run: AttestedRun;
  allow: boolean;
  violations: Violation[];
  /** Per task (same order as run.tasks): the trustedTasks entry it matched, as written in the policy. */
  trustedBy: (string | undefined)[];
}

/** Evaluates every rule of the policy on one run. Pure: the same run and policy always give the same verdict. */
export function evaluatePolicy(policy: Policy, run: AttestedRun): RunVerdict {
  const violations: Violation[] = [];
  const trustedBy: (string | undefined)[] = [];
  if (policy.builderIds.length > 0 && !policy.builderIds.includes(run.builderId ?? '')) {
    violations.push({
      rule: 'builderIds',
      task: undefined,
      message: `builder.id ${run.builderId ?? '(none)'} is not one of ${policy.builderIds.join(', ')}`,
    });
  }
  if (
    !run.complete &&
    (policy.trustedTasks !== undefined || policy.requiredTasks.length > 0 || policy.forbiddenTasks.length > 0)
  ) {
    violations.push({
      rule: 'provenance',
      task: undefined,
      message:
        `build type ${run.buildType} records only the source of remotely resolved tasks, not their names, and no ` +
        'entry for Tasks from the cluster: the task rules cannot be proven (attest with --build-type slsa-tekton or SLSA v0.2)',
    });
  }
  for (const task of run.tasks) {
    const match =
      policy.trustedTasks === undefined ? undefined : trustedMatch(policy.trustedTasks, task.reference);
    trustedBy.push(match?.entry);
    if (policy.trustedTasks !== undefined && !match?.entry) {
      violations.push({
        rule: 'trustedTasks',
        task: task.name,
        message: `${describeReference(task.reference)} ${match?.why ?? 'matches no trustedTasks entry'}`,
      });
    }
    const name = task.reference.name;
    if (name !== undefined && policy.forbiddenTasks.includes(name)) {
      violations.push({
        rule: 'forbiddenTasks',
        task: task.name,
        message: `runs the forbidden task ${name}`,
      });
    }
  }
  const names = new Set(run.tasks.map((task) => task.reference.name));
  for (const required of policy.requiredTasks) {
    if (!names.has(required)) {
      violations.push({
        rule: 'requiredTasks',
        task: undefined,
        message: `no task of the run is ${required}`,
      });
    }
  }
  return { run, allow: violations.length === 0, violations, trustedBy };
}

/** The reference as a person reads it: `buildah from bundle REPO@DIGEST`, `cluster task NAME`, ... */
export function describeReference(reference: TaskReference): string {
  const name = reference.name ?? '(unnamed)';
  switch (reference.kind) {
    case 'bundle':
      return `${name} from bundle ${reference.repository}${reference.digest ? `@${reference.digest}` : ' (no digest)'}`;
    case 'git':
      return `${name} from git ${reference.url.replace(/^git\+/, '')}${reference.path ? ` ${reference.path}` : ''}${reference.commit ? `@${reference.commit}` : ''}`;
    case 'cluster':
      return `cluster task ${name}`;
    case 'other':
      return `${name} from ${reference.description}`;
  }
}

/**
 * The first trustedTasks entry the reference matches; when none does, the most telling reason (a matching
 * repository with the wrong digest says more than "no entry").
 */
function trustedMatch(
  entries: readonly TrustedTask[],
  reference: TaskReference,
): { entry?: string; why?: string } {
  let why: string | undefined;
  for (const entry of entries) {
    if (entry.kind === 'bundle' && reference.kind === 'bundle' && reference.repository === entry.repository) {
      if (entry.digests.length === 0) return { entry: `bundle ${entry.repository}` };
      if (reference.digest === undefined)
        why = `is not pinned: ${entry.repository} is trusted only at its listed digests`;
      else if (entry.digests.includes(reference.digest))
        return { entry: `bundle ${entry.repository}@${reference.digest}` };
      else why = `has a digest not listed for ${entry.repository}`;
    }
    if (entry.kind === 'git' && reference.kind === 'git' && sameGitUrl(entry.url, reference.url)) {
      if (entry.path !== undefined && entry.path !== reference.path) {
        why ??= `is not at the trusted path ${entry.path}`;
        continue;
      }
      if (entry.commits.length === 0)
        return { entry: `git ${entry.url}${entry.path ? ` ${entry.path}` : ''}` };
      const commit = reference.commit;
      if (commit !== undefined && entry.commits.some((c) => commit.startsWith(c))) {
        return { entry: `git ${entry.url}@${commit}` };
      }
      why = commit === undefined ? 'records no commit' : `is at commit ${commit}, not a trusted one`;
    }
    if (entry.kind === 'task' && reference.kind === 'cluster' && reference.name === entry.name) {
      return { entry: `task ${entry.name}` };
    }
  }
  return why === undefined ? {} : { why };
}

/** git URLs compare without the `git+` prefix, a trailing `.git` or slash, and the host's case. */
function sameGitUrl(a: string, b: string): boolean {
  const normal = (url: string) =>
    url
      .replace(/^git\+/, '')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
      .replace(/^([a-z]+:\/\/[^/]+)/i, (host) => host.toLowerCase());
  return normal(a) === normal(b);
}
