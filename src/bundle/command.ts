import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { BundleArgs } from '../cli/commands/bundle.js';
import { AttestError } from '../errors.js';
import { log } from '../log.js';
import { RegistryClient } from '../oci/client.js';
import { dockerConfigSources } from '../oci/docker-config.js';
import { formatReference, parseReference } from '../oci/reference.js';
import { type BundleObject, buildBundle, bundleCreatedTime, bundleObjectsFromYaml } from './build.js';
import { fetchBundle, fetchBundleObject, pushBundle } from './publish.js';
import { type BundleSource, EXAMPLE_SOURCES, TASK_SOURCE } from './sources.js';

/** `bundle push REF`: prints `REGISTRY/REPOSITORY:TAG@sha256:...` on stdout. */
export async function runBundlePush(args: BundleArgs): Promise<void> {
  const ref = parseReference(args.ref ?? '');
  const sources = args.file?.length ? await readSources(args.file) : defaultSources(args);
  const objects: BundleObject[] = [];
  for (const source of sources) {
    const found = bundleObjectsFromYaml(source.text, source.origin);
    objects.push(...found.objects);
    for (const skipped of found.skipped)
      log.debug(`bundle: left out ${skipped} (not resolvable from a bundle)`);
  }
  const bundle = await buildBundle(objects, bundleCreatedTime());
  const client = registryClient(args);
  try {
    const pushed = await pushBundle(client, ref, bundle);
    for (const o of bundle.objects) log.info(`bundle: ${o.kind} ${o.name} (${o.apiVersion})`);
    log.info(`bundle: pushed ${bundle.objects.length} object(s) to ${pushed.reference}`);
    process.stdout.write(`${pushed.reference}\n`);
  } finally {
    await client.close();
  }
}

/** `bundle list REF [KIND] [NAME]`: `kind/name` lines, or the objects themselves with `-o json|yaml`. */
export async function runBundleList(args: BundleArgs): Promise<void> {
  const ref = parseReference(args.ref ?? '');
  const client = registryClient(args);
  try {
    const bundle = await fetchBundle(client, ref);
    log.debug(`bundle: ${formatReference(ref)} is ${bundle.digest}`);
    const entries = bundle.entries.filter(
      (e) => (!args.kind || e.kind === args.kind.toLowerCase()) && (!args.name || e.name === args.name),
    );
    if (entries.length === 0 && (args.kind || args.name)) {
      throw new AttestError(
        'NOT_FOUND',
        `${formatReference(ref)} holds no ${args.kind ?? 'object'}${args.name ? ` named ${args.name}` : ''}`,
        { hint: `it holds: ${bundle.entries.map((e) => `${e.kind}/${e.name}`).join(', ') || 'nothing'}` },
      );
    }
    const output = args.output ?? 'name';
    if (output === 'name') {
      process.stdout.write(entries.map((e) => `${e.kind}.tekton.dev/${e.name} ${e.apiVersion}\n`).join(''));
      return;
    }
    const objects = [];
    for (const entry of entries) objects.push(await fetchBundleObject(client, ref, entry));
    process.stdout.write(
      output === 'json'
        ? `${JSON.stringify(objects, null, 2)}\n`
        : objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'),
    );
  } finally {
    await client.close();
  }
}

function defaultSources(args: BundleArgs): BundleSource[] {
  return args['include-examples'] ? [TASK_SOURCE, ...EXAMPLE_SOURCES] : [TASK_SOURCE];
}

async function readSources(files: string[]): Promise<BundleSource[]> {
  return Promise.all(
    files.map(async (file) => {
      try {
        return { origin: file, text: await readFile(file, 'utf8') };
      } catch (error) {
        throw new AttestError(
          'INVALID_ARGUMENT',
          `--file ${file} cannot be read: ${(error as Error).message}`,
          {
            hint: 'name a YAML or JSON file with Tekton Tasks, Pipelines or StepActions',
          },
        );
      }
    }),
  );
}

function registryClient(args: BundleArgs): RegistryClient {
  return new RegistryClient({
    credentials: dockerConfigSources({ dockerConfigDir: args['docker-config'] || undefined }),
    registryCaFiles: args['registry-ca'] ? [args['registry-ca']] : [],
    insecureRegistries: (args['insecure-registry'] ?? []).filter(Boolean),
  });
}
