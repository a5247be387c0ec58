import { describe, expect, it } from 'vitest';
import { integerFlag, numberFlag } from '../../src/cli/flags.js';
import { expectDiffAttnError } from '../support/errors.js';

describe('numeric flags', () => {
  it('parse numbers and integers', () => {
    expect(numberFlag('--lr', '3e-4')).toBe(3e-4);
    expect(integerFlag('--seed', '-7')).toBe(-7);
    expect(integerFlag('--steps', '12', 1)).toBe(12);
  });

  it('reject with the flag, the expectation and the text given', () => {
    expectDiffAttnError(() => numberFlag('--lr', 'fast'), 'value', /^--lr: expected a number, got 'fast'$/);
    expectDiffAttnError(() => numberFlag('--lr', '  '), 'value', /^--lr: expected a number, got '  '$/);
    expectDiffAttnError(() => integerFlag('--steps', '2.5', 1), 'value', /^--steps: expected an integer ≥ 1, got '2\.5'$/);
    expectDiffAttnError(() => integerFlag('--steps', '0', 1), 'value', /^--steps: expected an integer ≥ 1, got '0'$/);
    expectDiffAttnError(() => integerFlag('--seed', '1e400'), 'value', /^--seed: expected an integer, got '1e400'$/);
    expectDiffAttnError(() => numberFlag('--top-p', '2', (n) => n > 0 && n <= 1, 'a number in (0, 1]'), 'value', /^--top-p: expected a number in \(0, 1\], got '2'$/);
  });
});
