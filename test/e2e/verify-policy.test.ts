// `tekton-attest verify IMAGE --policy FILE` (the built CLI) against a real registry holding attestations of
// a run built by the provenance code (git-clone from git, buildah from a bundle, inject-miner from the
// cluster), stored as attest stores them: exit 0 allowed, 1 denied, 2 when the signatures do not verify.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/oci/client.js';
import { BUILD_TYPE_SLSA_TEKTON, type Statement } from '../../src/provenance/statement.js';
import { OciTagStorage } from '../../src/storage/oci-tag.js';
import { imageSubject, signed, testKey } from '../harness/attestations.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { pushTestImage } from '../harness/registry-http.js';
import { runCli } from '../harness/run-built-cli.js';
import {
  BUILDAH_BUNDLE,
  BUILDAH_DIGEST,
  builtStatement,
  CATALOG,
  CATALOG_COMMIT,
} from '../verify/policy-runs.js';

const key = testKey();
const otherKey = testKey();
const dir = mkdtempSync(join(tmpdir(), 'tekton-attest-verify-policy-'));

function policyFile(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const TRUSTED = [
  'requiredTasks: [git-clone, buildah]',
  'trustedTasks:',
  `  - git: ${CATALOG}`,
  `    commits: [${CATALOG_COMMIT}]`,
  `  - bundle: ${BUILDAH_BUNDLE}`,
  `    digests: ["${BUILDAH_DIGEST}"]`,
];
const allowAll = policyFile('allow.yaml', [...TRUSTED, '  - task: inject-miner']);
const denyMiner = policyFile('deny.yaml', ['forbiddenTasks: [inject-miner]', ...TRUSTED]);

describe('tekton-attest verify --policy', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let image: string;
  let common: string[];
  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ insecureRegistries: [registry.host] });
    const pushed = await pushTestImage({ url: registry.url }, 'team/app', 'v1');
    image = `${registry.host}/team/app:v1`;
    common = ['--key', key.publicKeyFile, '--insecure-ignore-tlog', '--insecure-registry', registry.host];
    const subject = imageSubject(registry.host, 'team/app', pushed.digest);
    // The same run in SLSA v0.2 and in SLSA v1.0 slsa-tekton, both stored with the cosign tag layout.
    for (const format of [
      { format: 'slsa/v1' },
      { format: 'slsa/v2alpha4', 'build-type': BUILD_TYPE_SLSA_TEKTON },
    ]) {
      const statement: Statement = { ...builtStatement(format), subject: [subject] };
      expect((await new OciTagStorage({ client }).store(await signed(statement, key))).ok).toBe(true);
    }
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('exits 0 when the policy allows both runs, and prints the tree', async () => {
    const result = await runCli(['verify', image, '--policy', allowAll, ...common]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {4}├─ ok {3}fetch$/m);
    expect(result.stdout).toMatch(/^ {4}│ {6}trusted by task inject-miner$/m);
    expect(result.stdout.match(/^ {4}ALLOWED$/gm)).toHaveLength(2);
    expect(result.stdout.trimEnd().endsWith('allowed')).toBe(true);
  });

  it('exits 1 when denied, with the violations as JSON and the run drawn as SVG', async () => {
    const graph = join(dir, 'run.svg');
    const result = await runCli([
      'verify',
      image,
      '--policy',
      denyMiner,
      '--output',
      'json',
      '--graph',
      graph,
      ...common,
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/is denied by .*deny\.yaml: 4 violations/);
    const verdict = JSON.parse(result.stdout);
    expect(verdict.allow).toBe(false);
    expect(verdict.violations.map((v: { rule: string; task: string }) => `${v.rule} ${v.task}`)).toEqual([
      'trustedTasks miner',
      'forbiddenTasks miner',
      'trustedTasks miner',
      'forbiddenTasks miner',
    ]);
    expect(verdict.runs.map((r: { predicateType: string }) => r.predicateType).sort()).toEqual([
      'https://slsa.dev/provenance/v0.2',
      'https://slsa.dev/provenance/v1',
    ]);
    const svg = readFileSync(graph, 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    for (const name of ['fetch', 'build', 'miner']) expect(svg).toContain(`<title>${name}</title>`);
    const denied = svg.match(/<g class="task violation">[\s\S]*?<\/g>/g) ?? [];
    expect(denied.map((box) => /<title>([^<]+)<\/title>/.exec(box)?.[1])).toEqual(['miner', 'miner']);
    expect(denied.every((box) => box.includes('stroke="#c62828"'))).toBe(true);
  });

  it('exits 2 when the signatures do not verify, evaluating nothing', async () => {
    const result = await runCli([
      'verify',
      image,
      '--policy',
      allowAll,
      '--key',
      otherKey.publicKeyFile,
      '--insecure-ignore-tlog',
      '--insecure-registry',
      registry.host,
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('none of the 2 attestations stored');
  });

  it('exits 2 when the graph cannot be written, not 1 (which means denied)', async () => {
    const graph = join(dir, 'missing', 'run.svg');
    const result = await runCli(['verify', image, '--policy', allowAll, '--graph', graph, ...common]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--graph ${graph} cannot be written`);
  });

  it('exits 2 on a policy file with a misspelled key, naming the file and key', async () => {
    const typo = policyFile('typo.yaml', ['forbidenTasks: [inject-miner]']);
    const result = await runCli(['verify', image, '--policy', typo, ...common]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${typo}: forbidenTasks is not a policy key`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
