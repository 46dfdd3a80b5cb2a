import { AttestError } from '../errors.js';
import { escapeControls } from '../log.js';
import type { Statement } from '../provenance/statement.js';

/** The in-toto Statement types cosign accepts, declared apart from the writers' (see reader.ts). */
const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
const FIELDS = new Set(['_type', 'subject', 'predicateType', 'predicate']);

/**
 * The statement inside a verified envelope, checked as cosign checks it: a strict in-toto Statement (unknown
 * top-level fields fail), a subject whose sha256 is the image digest, and the wanted predicate type.
 * Throws VERIFY_FAILED with the first reason it finds (registry content in it escaped: it reaches the terminal).
 */
export function checkStatement(
  payload: Uint8Array,
  imageDigest: string,
  predicateType: string | undefined,
  source: string,
): Statement {
  const fail = (why: string, hint?: string) =>
    new AttestError('VERIFY_FAILED', `${source}: ${why}`, hint ? { hint } : {});
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw fail('the payload is not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw fail('the payload is not a JSON object');
  const statement = value as Partial<Statement>;
  const unknown = Object.keys(statement).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0)
    throw fail(`the statement has unknown fields ${unknown.join(', ')} (cosign rejects it)`);
  if (statement._type !== STATEMENT_V01 && statement._type !== STATEMENT_V1) {
    throw fail(`_type ${escapeControls(String(statement._type))} is not an in-toto Statement`);
  }
  if (!Array.isArray(statement.subject) || typeof statement.predicateType !== 'string') {
    throw fail('the statement lacks subject or predicateType');
  }
  const hex = imageDigest.replace(/^sha256:/, '');
  if (!statement.subject.some((s) => s?.digest?.sha256 === hex)) {
    throw fail(`no subject has the image digest ${imageDigest}`, 'the attestation is about another image');
  }
  if (predicateType !== undefined && statement.predicateType !== predicateType) {
    throw fail(
      `predicateType is ${escapeControls(statement.predicateType)}, not ${predicateType}`,
      'pick --type for this predicate (slsaprovenance for SLSA v0.2, slsaprovenance1 for v1.0)',
    );
  }
  return statement as Statement;
}
