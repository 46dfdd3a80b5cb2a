import { expect } from 'vitest';
import { AttestError } from '../../src/errors.js';

/** Awaits a promise that must reject with an AttestError, and returns that error for further checks. */
export async function rejectionOf(promise: Promise<unknown>): Promise<AttestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttestError);
  return error as AttestError;
}
