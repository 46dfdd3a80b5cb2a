import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AttestError } from '../errors.js';

/** One kind of task a policy trusts: a bundle repository, a git source, or a Task in the cluster by name. */
export type TrustedTask =
  | { readonly kind: 'bundle'; readonly repository: string; readonly digests: readonly string[] }
  | {
      readonly kind: 'git';
      readonly url: string;
      readonly path: string | undefined;
      readonly commits: readonly string[];
    }
  | { readonly kind: 'task'; readonly name: string };

/** `verify --policy FILE`: what the attested run must look like (docs/verify-policy.md). */
export interface Policy {
  /** The file it came from, for messages. */
  readonly source: string;
  /** Every task of the run must match one entry; undefined: the rule is off (key absent). */
  readonly trustedTasks: readonly TrustedTask[] | undefined;
  readonly requiredTasks: readonly string[];
  readonly forbiddenTasks: readonly string[];
  /** Allowed builder.id values; empty: any. */
  readonly builderIds: readonly string[];
}

const POLICY_KEYS = ['trustedTasks', 'requiredTasks', 'forbiddenTasks', 'builderIds'];
const ENTRY_KEYS: Readonly<Record<TrustedTask['kind'], readonly string[]>> = {
  bundle: ['bundle', 'digests'],
  git: ['git', 'path', 'commits'],
  task: ['task'],
};
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{7,64}$/;

/** Reads and validates a policy file; every mistake names the file and the field. */
export function readPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AttestError(
      'INVALID_ARGUMENT',
      `--policy ${path} cannot be read: ${(error as Error).message}`,
      {
        hint: 'pass the path of a policy YAML file (docs/verify-policy.md)',
      },
    );
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new AttestError('INVALID_INPUT', `${path} is not YAML: ${(error as Error).message}`, {
      hint: 'fix the syntax at the position named',
    });
  }
  return parsePolicy(value, path);
}

/** Validates a parsed policy document (unknown keys refused: a misspelled rule must not silently be off). */
export function parsePolicy(value: unknown, source: string): Policy {
  const fail = (field: string, why: string, hint = 'see docs/verify-policy.md for the format') =>
    new AttestError('INVALID_INPUT', `${source}: ${field} ${why}`, { hint });
  const document = objectAt(value, 'the document', fail);
  refuseUnknownKeys(document, POLICY_KEYS, '', fail);
  if (POLICY_KEYS.every((key) => document[key] === undefined)) {
    throw fail('the document', 'has no rule', `set at least one of ${POLICY_KEYS.join(', ')}`);
  }
  const trusted = document.trustedTasks;
  return {
    source,
    trustedTasks:
      trusted === undefined
        ? undefined
        : listAt(trusted, 'trustedTasks', fail).map((entry, i) =>
            trustedTask(entry, `trustedTasks[${i}]`, fail),
          ),
    requiredTasks: stringsAt(document.requiredTasks, 'requiredTasks', fail),
    forbiddenTasks: stringsAt(document.forbiddenTasks, 'forbiddenTasks', fail),
    builderIds: stringsAt(document.builderIds, 'builderIds', fail),
  };
}

type Fail = (field: string, why: string, hint?: string) => AttestError;

function trustedTask(value: unknown, field: string, fail: Fail): TrustedTask {
  const entry = objectAt(value, field, fail);
  const kinds = (Object.keys(ENTRY_KEYS) as TrustedTask['kind'][]).filter((kind) => kind in entry);
  if (kinds.length !== 1) {
    throw fail(field, `must have exactly one of bundle, git, task (has ${kinds.join(', ') || 'none'})`);
  }
  const kind = kinds[0] as TrustedTask['kind'];
  refuseUnknownKeys(entry, ENTRY_KEYS[kind], `${field}.`, fail);
  const name = stringAt(entry[kind], `${field}.${kind}`, fail);
  if (kind === 'task') return { kind, name };
  if (kind === 'bundle') {
    if (/[@]|:[^/]*$/.test(name)) {
      throw fail(
        `${field}.bundle`,
        `${name} names a tag or digest`,
        'give the repository; pin digests under digests:',
      );
    }
    const digests = stringsAt(entry.digests, `${field}.digests`, fail);
    const bad = digests.find((digest) => !DIGEST.test(digest));
    if (bad !== undefined) throw fail(`${field}.digests`, `${bad} is not sha256:<64 hex>`);
    return { kind, repository: name, digests };
  }
  const commits = stringsAt(entry.commits, `${field}.commits`, fail);
  const bad = commits.find((commit) => !COMMIT.test(commit));
  if (bad !== undefined) throw fail(`${field}.commits`, `${bad} is not a commit hash (hex)`);
  const path = entry.path === undefined ? undefined : stringAt(entry.path, `${field}.path`, fail);
  return { kind, url: name, path, commits };
}

function objectAt(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw fail(field, 'must be a mapping');
  return value as Record<string, unknown>;
}

function listAt(value: unknown, field: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) throw fail(field, 'must be a list');
  return value;
}

function stringAt(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== 'string' || value.trim() === '') throw fail(field, 'must be a non-empty string');
  return value.trim();
}

function stringsAt(value: unknown, field: string, fail: Fail): string[] {
  if (value === undefined || value === null) return [];
  return listAt(value, field, fail).map((item, i) => stringAt(item, `${field}[${i}]`, fail));
}

function refuseUnknownKeys(
  object: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
  fail: Fail,
) {
  const unknown = Object.keys(object).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw fail(`${prefix}${unknown[0]}`, 'is not a policy key', `the keys here are ${known.join(', ')}`);
  }
}
