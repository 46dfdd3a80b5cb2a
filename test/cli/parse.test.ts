// The command line into typed configs: every true/false(/manual) flag typed bare means true, on the command
// line; the same option as an empty TEKTON_ATTEST_* value (a Task param left empty) means unset.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Invocation } from '../../src/cli/commands.js';
import { parseCommandLine, UsageError } from '../../src/cli/parse.js';
import { AttestError } from '../../src/errors.js';

/** The environment variable the Task sets for an option. */
const envOf = (option: string) => `TEKTON_ATTEST_${option.replaceAll('-', '_').toUpperCase()}`;

const touched = new Set<string>();
function setEnv(option: string, value: string): void {
  touched.add(envOf(option));
  process.env[envOf(option)] = value;
}
afterEach(() => {
  for (const name of touched) delete process.env[name];
  touched.clear();
});

async function parse(argv: string[]): Promise<Invocation> {
  const invocation = await parseCommandLine(['--log-level', 'error', ...argv]);
  if (!invocation) throw new Error(`nothing to run for ${argv.join(' ')}`);
  return invocation;
}

interface TrueFalseOption {
  option: string;
  /** The command line, without the option, that the option is added to. */
  argv: string[];
  /** Where the option lands in the typed config. */
  read(invocation: Invocation): boolean;
}

const config = <C extends Invocation['command']>(invocation: Invocation, command: C) => {
  if (invocation.command !== command) throw new Error(`parsed ${invocation.command}, not ${command}`);
  return invocation.config as Extract<Invocation, { command: C }>['config'];
};

const attest = ['attest', '--key', 'cosign.key'];
const attestOption = (option: string, read: (c: ReturnType<typeof config<'attest'>>) => boolean) => ({
  option,
  argv: attest,
  read: (i: Invocation) => read(config(i, 'attest')),
});

const TRUE_FALSE_OPTIONS: TrueFalseOption[] = [
  attestOption('transparency', (c) => c.transparency.mode === 'true'),
  attestOption('deep-inspection', (c) => 'deepInspection' in c.format && c.format.deepInspection),
  attestOption('require-complete', (c) => c.run.requireComplete),
  attestOption('registry-credentials-from-api', (c) => c.registryCredentialsFromApi),
  attestOption('mark-signed', (c) => c.markSigned),
  attestOption('best-effort', (c) => c.bestEffort),
  attestOption('allow-foreign-status', (c) => c.run.allowForeignStatus),
  {
    option: 'deep-inspection',
    argv: ['payload', '--pipelinerun', 'pr.yaml'],
    read: (i) => config(i, 'payload').format.deepInspection,
  },
  {
    option: 'sign',
    argv: ['payload', '--pipelinerun', 'pr.yaml', '--key', 'cosign.key'],
    read: (i) => config(i, 'payload').sign !== undefined,
  },
  { option: 'summary', argv: ['verify', 'img', '--key', 'k.pub'], read: (i) => config(i, 'verify').summary },
  {
    option: 'signature',
    argv: ['verify', 'img', '--key', 'k.pub'],
    read: (i) => config(i, 'verify').signatures,
  },
  {
    option: 'insecure-ignore-tlog',
    argv: ['verify', 'img', '--key', 'k.pub'],
    read: (i) => config(i, 'verify').ignoreTlog,
  },
  { option: 'force', argv: ['keygen'], read: (i) => config(i, 'keygen').force },
  {
    option: 'include-examples',
    argv: ['bundle', 'push', 'registry.example.com/tasks:1'],
    read: (i) => {
      const bundle = config(i, 'bundle');
      return bundle.action === 'push' && bundle.includeExamples;
    },
  },
];

describe.each(TRUE_FALSE_OPTIONS)('$argv.0 --$option', ({ option, argv, read }) => {
  it('typed bare on the command line means true, last or followed by another flag', async () => {
    expect(read(await parse([...argv, `--${option}`]))).toBe(true);
    expect(read(await parse([...argv, `--${option}`, '--log-level', 'error']))).toBe(true);
  });

  it('typed with a value means that value', async () => {
    expect(read(await parse([...argv, `--${option}`, 'true']))).toBe(true);
    expect(read(await parse([...argv, `--${option}=false`]))).toBe(false);
  });

  it('typed with an empty value after = is refused, not read as off', async () => {
    const error = await parse([...argv, `--${option}=`]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`--${option}= has no value`);
  });

  it('an empty TEKTON_ATTEST_* value (an empty Task param) means unset; "true" means true', async () => {
    setEnv(option, '');
    expect(read(await parse(argv))).toBe(false);
    setEnv(option, 'true');
    expect(read(await parse(argv))).toBe(true);
  });

  it('typed bare on the command line wins over an empty env value', async () => {
    setEnv(option, '');
    expect(read(await parse([...argv, `--${option}`]))).toBe(true);
  });
});

describe('attest --sign-images: image signatures are on unless turned off (Chains: artifacts.oci.storage)', () => {
  const mode = async (argv: string[]) => config(await parse([...attest, ...argv]), 'attest').oci.signImages;

  it('unset (or an empty Task param) is the default: on', async () => {
    expect(await mode([])).toBe('default');
    setEnv('sign-images', '');
    expect(await mode([])).toBe('default');
  });

  it('typed bare or true is an explicit request; =false, --no-sign-images or env "false" turn them off', async () => {
    expect(await mode(['--sign-images'])).toBe('requested');
    expect(await mode(['--sign-images', 'true'])).toBe('requested');
    expect(await mode(['--sign-images=false'])).toBe('off');
    expect(await mode(['--no-sign-images'])).toBe('off');
    setEnv('sign-images', 'false');
    expect(await mode([])).toBe('off');
    setEnv('sign-images', 'true');
    expect(await mode([])).toBe('requested');
  });

  it('typed with an empty value after = is refused, not read as off', async () => {
    const error = await parse([...attest, '--sign-images=']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('--sign-images= has no value');
  });

  it("Chains' artifacts.oci.storage and artifacts.oci.signer from --chains-config, when nothing else says", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parse-'));
    const withChains = async (lines: string, argv: string[] = []) => {
      const file = join(dir, `chains-${Math.random()}`);
      await writeFile(file, lines);
      return mode(['--chains-config', file, ...argv]);
    };
    expect(await withChains('artifacts.oci.storage=oci\n')).toBe('requested');
    expect(await withChains('artifacts.oci.storage=tekton,oci\n')).toBe('requested');
    expect(await withChains('artifacts.oci.storage=\n')).toBe('off');
    expect(await withChains('artifacts.oci.storage=none\n')).toBe('off');
    expect(await withChains('artifacts.oci.signer=none\nartifacts.oci.storage=oci\n')).toBe('off');
    expect(await withChains('artifacts.oci.signer=x509\n')).toBe('default');
    expect(await withChains('artifacts.oci.storage=\n', ['--sign-images'])).toBe('requested');
    const refused = await withChains('artifacts.oci.storage=gcs\n').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AttestError);
    expect((refused as AttestError).message).toBe(
      '--chains-config: artifacts.oci.storage "gcs" names no backend tekton-attest writes image signatures to',
    );
    expect((refused as AttestError).hint).toContain('--sign-images=false');
  });
});

describe('attest --status-field-manager', () => {
  it("defaults to controller (Tekton's controller's field manager); an empty Task param keeps it", async () => {
    expect(config(await parse(attest), 'attest').run.statusManagers).toEqual(['controller']);
    setEnv('status-field-manager', '');
    expect(config(await parse(attest), 'attest').run.statusManagers).toEqual(['controller']);
  });

  it('takes a comma-separated list from the flag or TEKTON_ATTEST_STATUS_FIELD_MANAGER', async () => {
    const flagged = await parse([...attest, '--status-field-manager', 'controller, my-controller']);
    expect(config(flagged, 'attest').run.statusManagers).toEqual(['controller', 'my-controller']);
    setEnv('status-field-manager', 'tekton-pipelines-controller');
    expect(config(await parse(attest), 'attest').run.statusManagers).toEqual(['tekton-pipelines-controller']);
  });
});

describe('empty env values and --chains-config', () => {
  it('an option left empty by the Task is filled from the Chains config map', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parse-'));
    const chains = join(dir, 'chains');
    await writeFile(
      chains,
      'artifacts.pipelinerun.enable-deep-inspection=true\ntransparency.enabled=manual\nartifacts.oci.storage=oci\n',
    );
    for (const option of ['deep-inspection', 'transparency', 'sign-images']) setEnv(option, '');
    const parsed = config(await parse([...attest, '--chains-config', chains]), 'attest');
    expect(parsed.format).toMatchObject({ deepInspection: true });
    expect(parsed.transparency.mode).toBe('manual');
    expect(parsed.oci.signImages).toBe('requested');
  });

  it('an empty string option from env is unset too (its default applies)', async () => {
    setEnv('oci-encoding', '');
    setEnv('rekor-url', '');
    const parsed = config(await parse(attest), 'attest');
    expect(parsed.oci.encoding).toBe('tag');
    expect(parsed.transparency.rekorUrl).toBe('https://rekor.sigstore.dev');
  });
});

describe('usage mistakes are refused with a message, never read as unset', () => {
  it('no command at all names the commands', async () => {
    for (const argv of [[], ['--log-level', 'debug']]) {
      const error = await parseCommandLine(argv).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(
        'Name a command: attest, payload, verify, bundle, keygen or demo (see --help).',
      );
    }
  });

  it("an option typed with an empty value (keygen --output-dir '') is refused, not read as its default", async () => {
    for (const argv of [
      ['keygen', '--output-dir', ''],
      ['keygen', '--output-dir='],
      ['keygen', '--output-dir'],
      ['payload', '--pipelinerun', 'pr.yaml', '--output', ''],
    ]) {
      const error = await parse(argv).catch((e: unknown) => e);
      expect(error, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/^--(output-dir|output) has an empty value/);
    }
  });
});
