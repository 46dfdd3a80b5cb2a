import { describe, expect, it } from 'vitest';
import { AttestError } from '../../src/errors.js';
import { MAX_NESTING, validateRunShape } from '../../src/tekton/validate-shape.js';

/** `value` wrapped in `levels` levels, alternating a mapping `{ "k.<n>": ... }` and a one-item list. */
function nest(levels: number, value: unknown = 'x'): unknown {
  let nested = value;
  for (let level = levels; level > 0; level--) nested = level % 2 ? { [`k.${level}`]: nested } : [nested];
  return nested;
}

function refusal(object: Record<string, unknown>): AttestError {
  try {
    validateRunShape(object, 'TaskRun', 'tr.json');
  } catch (error) {
    if (error instanceof AttestError) return error;
    throw error;
  }
  throw new Error('validateRunShape accepted the object');
}

const taskRun = (extra: unknown) => ({
  metadata: { name: 'build', labels: { app: 'shop' } },
  spec: { params: [{ name: 'url', value: 'https://example.com' }] },
  status: { startTime: '2026-01-02T10:00:00Z' },
  extra,
});

describe('validateRunShape nesting', () => {
  it('accepts objects nested up to the limit', () => {
    // The run object is level 0, `extra` level 1: its contents reach MAX_NESTING levels with one string at the end.
    expect(() => validateRunShape(taskRun(nest(MAX_NESTING - 1)), 'TaskRun', 'tr.json')).not.toThrow();
  });

  it('refuses one level more, naming the path to the first object past the limit', () => {
    const error = refusal(taskRun(nest(MAX_NESTING)));
    expect(error.code).toBe('INVALID_INPUT');
    const path = [
      'extra',
      ...Array.from({ length: MAX_NESTING - 1 }, (_, i) => (i % 2 ? '[0]' : `.k.${i + 1}`)),
    ]
      .join('')
      .slice(0, 200);
    expect(error.message).toBe(
      `tr.json: TaskRun is nested more than ${MAX_NESTING} levels deep (at ${path}...)`,
    );
  });

  it('finds a deep value after shallow siblings, in lists and mappings alike', () => {
    const error = refusal(taskRun({ a: 'shallow', b: [1, { c: 2 }], deep: [{}, nest(MAX_NESTING)] }));
    expect(error.message).toContain('(at extra.deep[1].k.1[0].k.3');
  });

  it('still checks field shapes after the nesting', () => {
    const error = refusal({ ...taskRun('shallow'), status: { startTime: 'yesterday' } });
    expect(error.message).toBe(
      'tr.json: TaskRun field status.startTime must be an RFC 3339 time (2026-01-02T10:00:00Z), not "yesterday"',
    );
  });
});
