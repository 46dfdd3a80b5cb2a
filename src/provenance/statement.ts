/** in-toto Statement shapes shared by every format (v0.1 for SLSA v0.2, v1 for SLSA v1.0). */

export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const PREDICATE_SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
export const PREDICATE_SLSA_V1 = 'https://slsa.dev/provenance/v1';

export type DigestSet = Record<string, string>;

export interface Subject {
  name: string;
  digest: DigestSet;
}

export interface Statement {
  _type: string;
  subject: Subject[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

export type FormatName = 'slsa/v1' | 'slsa/v2alpha3' | 'slsa/v2alpha4';
export const FORMAT_NAMES: readonly FormatName[] = ['slsa/v1', 'slsa/v2alpha3', 'slsa/v2alpha4'];
/** Chains accepts `in-toto` as another name for `slsa/v1`. */
export const FORMAT_ALIASES: Readonly<Record<string, FormatName>> = { 'in-toto': 'slsa/v1' };

export const BUILD_TYPE_SLSA = 'https://tekton.dev/chains/v2/slsa';
export const BUILD_TYPE_SLSA_TEKTON = 'https://tekton.dev/chains/v2/slsa-tekton';
export const DEFAULT_BUILDER_ID = 'https://tekton.dev/chains/v2';

export interface FormatOptions {
  format: FormatName;
  builderId: string;
  /** SLSA v1.0 only: BUILD_TYPE_SLSA or BUILD_TYPE_SLSA_TEKTON. */
  buildType: string;
  deepInspection: boolean;
}

export interface Material {
  uri?: string;
  name?: string;
  digest?: DigestSet;
}

/** The statement's inputs: SLSA v0.2 `materials`, or SLSA v1.0 `resolvedDependencies`. */
export function materialsOf(statement: Statement): Material[] {
  const predicate = statement.predicate as {
    materials?: Material[];
    buildDefinition?: { resolvedDependencies?: Material[] };
  };
  return predicate.materials ?? predicate.buildDefinition?.resolvedDependencies ?? [];
}
