/**
 * Numeric command-line flags. Commander hands every value over as text; these parse it and fail
 * with one line naming the flag, what it expects and what it got.
 */
import { DiffAttnError } from '../errors.js';

/** `v` as a number that `ok` accepts (default: any number but NaN), else a 'value' error. */
export function numberFlag(flag: string, v: string, ok: (n: number) => boolean = (n) => !Number.isNaN(n), expected = 'a number'): number {
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n) || !ok(n)) throw new DiffAttnError('value', `${flag}: expected ${expected}, got '${v}'`);
  return n;
}

/** `v` as a safe integer ≥ `min` (default: any integer). */
export function integerFlag(flag: string, v: string, min = -Infinity): number {
  return numberFlag(flag, v, (n) => Number.isSafeInteger(n) && n >= min, min === -Infinity ? 'an integer' : `an integer ≥ ${min}`);
}
