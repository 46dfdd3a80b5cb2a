// verify --policy output: the tree, the JSON verdict and the SVG graph, with run-controlled text escaped.
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import type { Statement } from '../../src/provenance/statement.js';
import { evaluatePolicy } from '../../src/verify/policy.js';
import { policyGraph } from '../../src/verify/policy-graph.js';
import { type PolicyReport, policyJson, policyTree, printable } from '../../src/verify/policy-report.js';
import { attestedRun } from '../../src/verify/run-tasks.js';
import { TEP_0084, tepWithInjectMiner } from './policy-runs.js';

const POLICY = parsePolicy(
  {
    trustedTasks: [
      { task: 'git-clone' },
      { task: 'buildah' },
      { bundle: 'gcr.io/tekton-releases/catalog/upstream/trivy-scanner' },
    ],
  },
  'vetted.yaml',
);

function reportOf(statement: Statement): PolicyReport {
  const run = attestedRun(statement);
  if (!run) throw new Error('not provenance');
  const verdict = evaluatePolicy(POLICY, run);
  return {
    image: 'registry.example/app@sha256:52af',
    policy: 'vetted.yaml',
    allow: verdict.allow,
    verdicts: [{ source: 'layer 1', verdict }],
  };
}

/** The TEP-0084 run with inject-miner, whose name carries a terminal escape and markup. */
function hostileRun(): Statement {
  const statement = tepWithInjectMiner() as Statement & {
    predicate: { buildConfig: { tasks: { name: string; ref: { name: string } }[] } };
  };
  const miner = statement.predicate.buildConfig.tasks[1]!;
  miner.name = 'inject-miner\u001b[2K\r<script>alert(1)</script>';
  miner.ref.name = 'inject-miner\u202e';
  return statement;
}

describe('the tree', () => {
  it('shows the tasks in order with references, images, and the denied task with its rule', () => {
    const tree = policyTree(reportOf(tepWithInjectMiner()), POLICY);
    const lines = tree.split('\n');
    expect(lines[0]).toBe('registry.example/app@sha256:52af  policy vetted.yaml');
    expect(lines.filter((l) => /^ {4}[├└]─/.test(l))).toEqual([
      '    ├─ ok   git-clone',
      '    ├─ DENY inject-miner  after git-clone',
      '    ├─ ok   source-security-scan  after git-clone',
      '    ├─ ok   image-build  after source-security-scan',
      '    └─ ok   image-security-scan',
    ]);
    expect(tree).toContain('│      ✗ trustedTasks: cluster task inject-miner matches no trustedTasks entry');
    expect(tree).toContain('│      built registry.example.com/minimal-container/min@sha256:52af519c');
    expect(tree).toContain('│      trusted by task buildah');
    expect(tree.trimEnd().endsWith('DENIED (1 violation)\ndenied')).toBe(true);
    expect(policyTree(reportOf(TEP_0084), POLICY).trimEnd().endsWith('ALLOWED\nallowed')).toBe(true);
  });

  it('escapes control characters and bidirectional overrides from the run', () => {
    const tree = policyTree(reportOf(hostileRun()), POLICY);
    expect(tree.replaceAll('\n', '')).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(tree).toContain('inject-miner\\u001b[2K\\u000d<script>');
    expect(tree).toContain('cluster task inject-miner\\u202e');
    expect(printable('a\u0000b\u009bc\u2066')).toBe('a\\u0000b\\u009bc\\u2066');
  });
});

describe('--output json', () => {
  it('has allow, the violations with rule, task and message, and the runs', () => {
    const json = JSON.parse(policyJson(reportOf(tepWithInjectMiner())));
    expect(json.allow).toBe(false);
    expect(json.violations).toEqual([
      {
        rule: 'trustedTasks',
        task: 'inject-miner',
        message: 'cluster task inject-miner matches no trustedTasks entry',
        source: 'layer 1',
      },
    ]);
    expect(
      json.runs[0].tasks.map((t: { name: string; trustedBy: string | null }) => [t.name, t.trustedBy]),
    ).toEqual([
      ['git-clone', 'task git-clone'],
      ['inject-miner', null],
      ['source-security-scan', 'bundle gcr.io/tekton-releases/catalog/upstream/trivy-scanner'],
      ['image-build', 'task buildah'],
      ['image-security-scan', 'bundle gcr.io/tekton-releases/catalog/upstream/trivy-scanner'],
    ]);
    expect(JSON.parse(policyJson(reportOf(TEP_0084)))).toMatchObject({ allow: true, violations: [] });
  });

  it('denies with a provenance violation when no statement could be evaluated', () => {
    const json = JSON.parse(policyJson({ image: 'x', policy: 'p', allow: false, verdicts: [] }));
    expect(json).toMatchObject({ allow: false, violations: [{ rule: 'provenance', task: null }] });
  });
});

describe('--graph', () => {
  it('is well-formed SVG with a box per task and the violation in red', () => {
    const svg = policyGraph(reportOf(tepWithInjectMiner()));
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toMatch(/^<\?xml [^>]+\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const name of [
      'git-clone',
      'inject-miner',
      'source-security-scan',
      'image-build',
      'image-security-scan',
    ]) {
      expect(svg).toContain(`<title>${name}</title>`);
    }
    const denied = svg.match(/<g class="task violation">[\s\S]*?<\/g>/g) ?? [];
    expect(denied).toHaveLength(1);
    expect(denied[0]).toContain('<title>inject-miner</title>');
    expect(denied[0]).toContain('stroke="#c62828"');
    // Arrows follow `after`: git-clone -> inject-miner, git-clone -> scan, scan -> build.
    expect(svg.match(/marker-end="url\(#arrow\)"/g)).toHaveLength(3);
  });

  it('escapes markup and control characters from the run', () => {
    const svg = policyGraph(reportOf(hostileRun()));
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg.replaceAll('\n', '')).not.toMatch(/\p{Cc}/u);
  });
});
