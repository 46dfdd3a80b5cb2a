// verify --policy FILE: the policy file read and validated once in config/, and the flags that go with it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy, readPolicyFile } from '../../src/config/policy.js';
import { parseVerifyConfig } from '../../src/config/verify.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const dir = mkdtempSync(join(tmpdir(), 'tekton-attest-policy-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readPolicyFile', () => {
  it('reads every kind of rule', () => {
    const path = file(
      'full.yaml',
      [
        'trustedTasks:',
        `  - bundle: registry.example/catalog/buildah`,
        `    digests: ["${DIGEST}"]`,
        '  - git: https://github.com/tektoncd/catalog.git',
        '    path: task/git-clone/0.9/git-clone.yaml',
        '    commits: [a5bdfa2]',
        '  - task: inject-nothing',
        'requiredTasks: [git-clone]',
        'forbiddenTasks: [inject-miner]',
        'builderIds: [https://tekton.dev/chains/v2]',
      ].join('\n'),
    );
    expect(readPolicyFile(path)).toEqual({
      source: path,
      trustedTasks: [
        { kind: 'bundle', repository: 'registry.example/catalog/buildah', digests: [DIGEST] },
        {
          kind: 'git',
          url: 'https://github.com/tektoncd/catalog.git',
          path: 'task/git-clone/0.9/git-clone.yaml',
          commits: ['a5bdfa2'],
        },
        { kind: 'task', name: 'inject-nothing' },
      ],
      requiredTasks: ['git-clone'],
      forbiddenTasks: ['inject-miner'],
      builderIds: ['https://tekton.dev/chains/v2'],
    });
    // No trustedTasks key: that rule is off; an empty list trusts nothing.
    expect(parsePolicy({ requiredTasks: ['x'] }, 'p').trustedTasks).toBeUndefined();
    expect(parsePolicy({ trustedTasks: [] }, 'p').trustedTasks).toEqual([]);
  });

  it('refuses a missing file and broken YAML, naming the file', () => {
    expect(() => readPolicyFile(join(dir, 'absent.yaml'))).toThrow(/--policy .*absent\.yaml cannot be read/);
    expect(() => readPolicyFile(file('broken.yaml', 'trustedTasks: [\n'))).toThrow(
      /broken\.yaml is not YAML/,
    );
  });

  it.each([
    [{ trustedTask: [] }, /p\.yaml: trustedTask is not a policy key/],
    [{}, /p\.yaml: the document has no rule/],
    [[], /p\.yaml: the document must be a mapping/],
    [{ trustedTasks: { task: 'x' } }, /trustedTasks must be a list/],
    [
      { trustedTasks: [{ task: 'x', bundle: 'y' }] },
      /trustedTasks\[0\] must have exactly one of bundle, git, task \(has bundle, task\)/,
    ],
    [{ trustedTasks: [{ task: 'x', digests: [] }] }, /trustedTasks\[0\]\.digests is not a policy key/],
    [{ trustedTasks: [{ bundle: 'r/b:1.0' }] }, /trustedTasks\[0\]\.bundle r\/b:1\.0 names a tag or digest/],
    [
      { trustedTasks: [{ bundle: 'r/b', digests: ['sha256:abc'] }] },
      /trustedTasks\[0\]\.digests sha256:abc is not sha256:<64 hex>/,
    ],
    [
      { trustedTasks: [{ git: 'u', commits: ['main'] }] },
      /trustedTasks\[0\]\.commits main is not a commit hash/,
    ],
    [{ requiredTasks: [''] }, /requiredTasks\[0\] must be a non-empty string/],
    [{ builderIds: 'x' }, /builderIds must be a list/],
  ])('refuses %j', (document, message) => {
    expect(() => parsePolicy(document, 'p.yaml')).toThrow(message);
  });
});

describe('parseVerifyConfig with --policy', () => {
  const key = { image: 'r/app:v1', key: 'cosign.pub' };
  const policy = file('ok.yaml', 'forbiddenTasks: [inject-miner]\n');

  it('reads the policy once, with the text tree as the default output', () => {
    const config = parseVerifyConfig({ ...key, policy, graph: 'run.svg' });
    expect(config.policy?.forbiddenTasks).toEqual(['inject-miner']);
    expect(config.output).toBe('text');
    expect(config.graph).toBe('run.svg');
    expect(parseVerifyConfig({ ...key, policy, output: 'json' }).output).toBe('json');
    expect(parseVerifyConfig(key).policy).toBeUndefined();
  });

  it('refuses --output and --graph without --policy, and values they cannot take', () => {
    expect(() => parseVerifyConfig({ ...key, output: 'json' })).toThrow(/--output needs --policy/);
    expect(() => parseVerifyConfig({ ...key, graph: 'run.svg' })).toThrow(/--graph needs --policy/);
    expect(() => parseVerifyConfig({ ...key, policy, output: 'yaml' })).toThrow(
      /--output yaml is not one of text, json/,
    );
    expect(() => parseVerifyConfig({ ...key, policy, graph: 'run.png' })).toThrow(/does not end in \.svg/);
    expect(() => parseVerifyConfig({ ...key, policy, summary: true })).toThrow(/--summary and --policy/);
    expect(() => parseVerifyConfig({ ...key, policy, signature: true })).toThrow(
      /--policy evaluates attestations, not image signatures/,
    );
  });
});
