/** Input checks shared by the chart builders: every chart names itself and the offending input. */
import { check } from '../errors.js';

/** Throws unless `values` is non-empty. */
export function checkNonEmpty(who: string, what: string, values: ArrayLike<unknown>): void {
  check(values.length > 0, 'value', () => `${who}: ${what} must not be empty`);
}

/** Throws unless every value is finite, naming the first that is not and its index. */
export function checkFinite(who: string, what: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    check(typeof v === 'number' && Number.isFinite(v), 'value', () => `${who}: ${what}[${i}] must be a finite number, got ${v}`);
  }
}

/** Throws unless `n` is a positive integer. */
export function checkCount(who: string, what: string, n: number): void {
  check(Number.isSafeInteger(n) && n > 0, 'value', () => `${who}: ${what} must be a positive integer, got ${n}`);
}
