import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AttestError } from '../errors.js';
import { NO_STORAGE } from './defaults.js';
import type { RawOptions } from './values.js';

/**
 * Chains' `chains-config` keys that mean the same thing here, so a team migrating from Chains keeps its
 * ConfigMap. Values are strings, as in the ConfigMap.
 */
const CHAINS_KEYS = {
  'artifacts.pipelinerun.format': 'format',
  'artifacts.pipelinerun.storage': 'storage',
  'artifacts.pipelinerun.signer': 'signer',
  'artifacts.pipelinerun.enable-deep-inspection': 'deep-inspection',
  'artifacts.taskrun.format': 'taskrun-format',
  'artifacts.taskrun.storage': 'taskrun-storage',
  'builder.id': 'builder-id',
  'builddefinition.buildtype': 'build-type',
  'transparency.enabled': 'transparency',
  'transparency.url': 'rekor-url',
  'storage.oci.repository': 'oci-repository',
  'storage.oci.encoding-format': 'oci-encoding',
  'signers.x509.fulcio.enabled': 'signer',
  'signers.x509.fulcio.address': 'fulcio-url',
  'signers.x509.fulcio.issuer': 'oidc-issuer',
  'signers.x509.identity.token.file': 'identity-token-file',
  // Either turns image signatures off in Chains; the signer is read first, so `none` wins over the storage.
  'artifacts.oci.signer': 'sign-images',
  'artifacts.oci.storage': 'sign-images',
} as const;

/**
 * Reads `--chains-config`: a Chains `chains-config` ConfigMap manifest (YAML or JSON), a flat YAML map,
 * `key=value` lines, or the directory a mounted ConfigMap becomes (one file per key).
 */
export async function loadChainsConfig(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) return await readConfigMapDirectory(path);
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AttestError(
      'INVALID_INPUT',
      `--chains-config ${path} cannot be read: ${(error as Error).message}`,
      {
        hint: 'give the chains-config ConfigMap as a file (kubectl get cm chains-config -o yaml) or its mounted directory',
      },
    );
  }
  // yaml is loaded here only: this module is on every command's path, --help included. yaml is CommonJS:
  // its exports are the `default` of a dynamic import (in Node and in the bundle alike).
  const { parse: parseYaml } = (await import('yaml')).default;
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const record = parsed as Record<string, unknown>;
    const data = record.kind === 'ConfigMap' ? (record.data ?? {}) : record;
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      return Object.fromEntries(
        Object.entries(data as Record<string, unknown>)
          .filter(([, value]) => value !== null && typeof value !== 'object')
          .map(([key, value]) => [key, String(value)]),
      );
    }
  }
  const entries: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const equals = trimmed.indexOf('=');
    if (equals <= 0) {
      throw new AttestError('INVALID_INPUT', `--chains-config ${path}, line ${index + 1}: not key=value`, {
        hint: 'write one Chains key per line, e.g. artifacts.pipelinerun.format=slsa/v1, or give the ConfigMap YAML',
      });
    }
    entries[trimmed.slice(0, equals).trim()] = trimmed.slice(equals + 1).trim();
  }
  return entries;
}

/** A mounted ConfigMap: one file per key, plus kubelet's `..data` bookkeeping entries (skipped). */
async function readConfigMapDirectory(dir: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of await readdir(dir)) {
    if (name.startsWith('.')) continue;
    const file = join(dir, name);
    if ((await stat(file)).isFile()) entries[name] = (await readFile(file, 'utf8')).trim();
  }
  return entries;
}

/** Fills options the user did not set from a Chains config map (flags and env always win). */
export function applyChainsConfig(options: RawOptions, chains: Record<string, string>): RawOptions {
  const merged: Record<string, unknown> = { ...options };
  for (const [chainsKey, optionName] of Object.entries(CHAINS_KEYS)) {
    const value = chains[chainsKey];
    if (value === undefined || merged[optionName] !== undefined) continue;
    merged[optionName] = translateChainsValue(chainsKey, value);
  }
  return merged;
}

function translateChainsValue(chainsKey: string, value: string): unknown {
  switch (chainsKey) {
    case 'signers.x509.fulcio.enabled':
      return value === 'true' ? 'keyless' : undefined;
    case 'artifacts.pipelinerun.signer':
      // Chains' "x509" signer is a key file (x509.pem) unless Fulcio is enabled; both are --signer key here.
      return value === 'x509' || value === 'cosign' ? 'key' : value;
    case 'artifacts.pipelinerun.enable-deep-inspection':
      return value === 'true';
    case 'artifacts.oci.signer':
      return value.trim() === 'none' ? false : undefined;
    case 'artifacts.taskrun.storage':
      // Chains turns TaskRun artifacts off with an empty value; here an empty value means "unset".
      return value.trim() === '' ? NO_STORAGE : value;
    case 'artifacts.oci.storage':
      return imageSignaturesFromChains(value);
    default:
      return value;
  }
}

/**
 * Chains' `artifacts.oci.storage` (default `oci`): `""` turns image signatures off, as in Chains (`none` is
 * read the same way); a list with `oci` keeps them on. The other backends Chains can keep image signatures in
 * (tekton, gcs, ...) are not written here: refused rather than read as off.
 */
function imageSignaturesFromChains(value: string): boolean {
  const backends = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (backends.length === 0 || (backends.length === 1 && backends[0] === 'none')) return false;
  if (backends.includes('oci')) return true;
  throw new AttestError(
    'INVALID_INPUT',
    `--chains-config: artifacts.oci.storage "${value}" names no backend tekton-attest writes image signatures to`,
    {
      hint: 'tekton-attest writes image signatures (.sig) to the registry only: set artifacts.oci.storage to oci, or to "" to turn them off (or pass --sign-images=false)',
    },
  );
}
