import { AttestError } from '../errors.js';

/** cosign's `--type` aliases (cmd/cosign/cli/options/predicate.go), so the same flag works in both tools. */
export const PREDICATE_TYPE_ALIASES: Readonly<Record<string, string>> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

/** An alias or a predicate URI -> the URI; undefined means "any predicate type". */
export function resolvePredicateType(type: string | undefined): string | undefined {
  if (type === undefined || type === '') return undefined;
  const alias = PREDICATE_TYPE_ALIASES[type];
  if (alias) return alias;
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(type)) return type;
  throw new AttestError('INVALID_ARGUMENT', `--type ${type} is neither a cosign alias nor a URI`, {
    hint: `use one of ${Object.keys(PREDICATE_TYPE_ALIASES).join(', ')}, or a predicate type URI`,
  });
}
