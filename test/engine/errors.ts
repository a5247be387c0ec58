/**
 * Assertion for the engine's boundary errors: the call throws a `DiffAttnError` with the given
 * code and a message matching `pattern` (which names the offending argument).
 */
import { expect } from 'vitest';
import { DiffAttnError, type DiffAttnErrorCode } from '../../src/errors.js';

/** Asserts that `fn` throws `DiffAttnError(code)` with a message matching `pattern`. */
export function expectEngineError(fn: () => unknown, code: DiffAttnErrorCode, pattern: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected a DiffAttnError to be thrown').toBeInstanceOf(DiffAttnError);
  const err = thrown as DiffAttnError;
  expect(err.code).toBe(code);
  expect(err.message).toMatch(pattern);
}
