import { log } from '../log.js';
import type { RunSnapshot } from '../tekton/snapshot.js';
import { createContext, describeSource, type ResultSource, type Warn } from './context.js';
import { slsaV1Statement } from './slsa-v1.js';
import { slsaV02Statement } from './slsa-v02.js';
import type { FormatOptions, Statement } from './statement.js';

/**
 * The provenance engine's entry point: a RunSnapshot in, the in-toto Statement Chains would produce out.
 * Pure apart from warnings about what it skipped (invalid digests, unusable image IDs, TaskRuns left out),
 * each reported once per statement through `warn` (default: log.warn naming the object).
 */
export type { ResultSource, Warn } from './context.js';

export interface BuildHooks {
  warn?: Warn;
}

export function buildStatement(
  snapshot: RunSnapshot,
  options: FormatOptions,
  hooks: BuildHooks = {},
): Statement {
  const context = createContext(snapshot, options, oncePerMessage(hooks.warn ?? logWarning));
  return options.format === 'slsa/v1' ? slsaV02Statement(context) : slsaV1Statement(context);
}

/**
 * The exact bytes that are signed and stored: compact JSON, no trailing newline. Like Chains (protojson),
 * an empty subject list is left out rather than written as [].
 */
export function serializeStatement(statement: Statement): Uint8Array {
  const { _type, subject, predicateType, predicate } = statement;
  const shaped =
    subject.length > 0 ? { _type, subject, predicateType, predicate } : { _type, predicateType, predicate };
  return new TextEncoder().encode(JSON.stringify(shaped));
}

/** A Warn that logs each distinct warning once, as buildStatement's default does. */
export function loggedWarnings(): Warn {
  return oncePerMessage(logWarning);
}

function logWarning(message: string, source?: ResultSource): void {
  log.warn(source ? `${describeSource(source)}: ${message}` : message);
}

function oncePerMessage(warn: Warn): Warn {
  const seen = new Set<string>();
  return (message, source) => {
    const key = `${source ? describeSource(source) : ''}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    warn(message, source);
  };
}
