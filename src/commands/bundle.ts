import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { type BundleObject, buildBundle, bundleCreatedTime, bundleObjectsFromYaml } from '../bundle/build.js';
import { fetchBundle, fetchBundleObject, pushBundle } from '../bundle/publish.js';
import { type BundleSource, EXAMPLE_SOURCES, TASK_SOURCE } from '../bundle/sources.js';
import type { BundleConfig } from '../config/bundle.js';
import { AttestError } from '../errors.js';
import { escapeControls, log } from '../log.js';
import { formatReference, parseReference } from '../oci/reference.js';
import { openRegistry } from './registry.js';

type Push = Extract<BundleConfig, { action: 'push' }>;
type List = Extract<BundleConfig, { action: 'list' }>;

/** `tekton-attest bundle push|list`: the Task as a Tekton Bundle, published with the project's OCI client. */
export function runBundle(config: BundleConfig): Promise<void> {
  return config.action === 'push' ? runBundlePush(config) : runBundleList(config);
}

/** `bundle push REF`: prints `REGISTRY/REPOSITORY:TAG@sha256:...` on stdout. */
async function runBundlePush(config: Push): Promise<void> {
  const ref = parseReference(config.ref);
  const sources = config.files.length ? await readSources(config.files) : defaultSources(config);
  const objects: BundleObject[] = [];
  for (const source of sources) {
    const found = bundleObjectsFromYaml(source.text, source.origin);
    objects.push(...found.objects);
    for (const skipped of found.skipped)
      log.debug(`bundle: left out ${skipped} (not resolvable from a bundle)`);
  }
  const bundle = await buildBundle(objects, bundleCreatedTime());
  const client = await openRegistry(config.registry, [], { pushes: true });
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
async function runBundleList(config: List): Promise<void> {
  const ref = parseReference(config.ref);
  const client = await openRegistry(config.registry);
  try {
    const bundle = await fetchBundle(client, ref);
    log.debug(`bundle: ${formatReference(ref)} is ${bundle.digest}`);
    const entries = bundle.entries.filter(
      (e) =>
        (!config.kind || e.kind === config.kind.toLowerCase()) && (!config.name || e.name === config.name),
    );
    if (entries.length === 0 && (config.kind || config.name)) {
      throw new AttestError(
        'NOT_FOUND',
        `${formatReference(ref)} holds no ${config.kind ?? 'object'}${config.name ? ` named ${config.name}` : ''}`,
        { hint: `it holds: ${bundle.entries.map((e) => `${e.kind}/${e.name}`).join(', ') || 'nothing'}` },
      );
    }
    const output = config.output;
    if (output === 'name') {
      // The names are the registry's layer annotations: escaped, none can add a line or drive the terminal.
      const line = (e: (typeof entries)[number]) =>
        escapeControls(`${e.kind}.tekton.dev/${e.name} ${e.apiVersion}`);
      process.stdout.write(entries.map((e) => `${line(e)}\n`).join(''));
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

function defaultSources(config: Push): BundleSource[] {
  return config.includeExamples ? [TASK_SOURCE, ...EXAMPLE_SOURCES] : [TASK_SOURCE];
}

async function readSources(files: readonly string[]): Promise<BundleSource[]> {
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
