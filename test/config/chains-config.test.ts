// The Chains config loader.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadChainsConfig } from '../../src/config/chains-config.js';
import { AttestError } from '../../src/errors.js';

describe('--chains-config', () => {
  it('reads a ConfigMap manifest, a flat map, key=value lines and a mounted directory alike', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chains-config-'));
    const expected = { 'artifacts.pipelinerun.format': 'slsa/v1', 'transparency.enabled': 'true' };
    await writeFile(
      join(dir, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: chains-config}\ndata:\n  artifacts.pipelinerun.format: slsa/v1\n  transparency.enabled: "true"\n',
    );
    await writeFile(
      join(dir, 'flat.yaml'),
      'artifacts.pipelinerun.format: slsa/v1\ntransparency.enabled: true\n',
    );
    await writeFile(
      join(dir, 'lines'),
      '# comment\nartifacts.pipelinerun.format=slsa/v1\ntransparency.enabled = true\n',
    );
    const mounted = join(dir, 'mounted');
    await mkdir(join(mounted, '..2024_05_01'), { recursive: true });
    await writeFile(join(mounted, 'artifacts.pipelinerun.format'), 'slsa/v1\n');
    await writeFile(join(mounted, 'transparency.enabled'), 'true');
    for (const source of ['cm.yaml', 'flat.yaml', 'lines', 'mounted']) {
      expect(await loadChainsConfig(join(dir, source))).toEqual(expected);
    }
  });

  it('a file that is none of these', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chains-config-'));
    await writeFile(join(dir, 'bad'), 'artifacts.pipelinerun.format\n');
    await expect(loadChainsConfig(join(dir, 'bad'))).rejects.toThrow('line 1: not key=value');
    await expect(loadChainsConfig(join(dir, 'missing'))).rejects.toBeInstanceOf(AttestError);
  });
});
