/**
 * The one assertion for errors at the public boundary: the call throws a `DiffAttnError` with the
 * expected code and a message that names what went wrong.
 */
import { expect } from 'vitest';
import { DiffAttnError, type DiffAttnErrorCode } from '../../src/errors.js';

/** Runs `fn`, asserts it throws a `DiffAttnError`, and returns the error. */
export function catchDiffAttnError(fn: () => unknown): DiffAttnError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a DiffAttnError to be thrown').toBeInstanceOf(DiffAttnError);
  return thrown as DiffAttnError;
}

/** Asserts `fn` throws `DiffAttnError(code)` with a message matching `message`. */
export function expectDiffAttnError(fn: () => unknown, code: DiffAttnErrorCode, message: RegExp): DiffAttnError {
  const err = catchDiffAttnError(fn);
  expect(err.code, err.message).toBe(code);
  expect(err.message).toMatch(message);
  return err;
}
