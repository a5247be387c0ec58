/**
 * The learning-rate schedule (warm-up then cosine) and the validation of training options.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_OPTIONS, lrAt, trainOptions } from '../../src/train/index.js';
import { expectDiffAttnError } from '../support/errors.js';

describe('lrAt', () => {
  it('hits the values the formula gives at hand-picked steps', () => {
    const o = { steps: 110, warmup: 10, lr: 1, minLr: 0.1 };
    // Warm-up: lr·(step + 1)/W → 0.1 at step 0, 0.5 at step 4, the peak 1 at step 9.
    expect(lrAt(0, o)).toBeCloseTo(0.1, 15);
    expect(lrAt(4, o)).toBeCloseTo(0.5, 15);
    expect(lrAt(9, o)).toBe(1);
    // Decay over S − W = 100 steps: p = 0 at step 10 gives the peak; p = ½ (step 60) the midpoint
    // (lr + minLr)/2 = 0.55 since cos(π/2) = 0; p = ¼ (step 35): 0.1 + 0.9·(1 + √½)/2.
    expect(lrAt(10, o)).toBe(1);
    expect(lrAt(60, o)).toBeCloseTo(0.55, 15);
    expect(lrAt(35, o)).toBeCloseTo(0.1 + 0.9 * (1 + Math.SQRT1_2) / 2, 15);
    // Past the plan: the floor.
    expect(lrAt(110, o)).toBe(0.1);
    expect(lrAt(500, o)).toBe(0.1);
  });

  it('without warm-up starts at the peak; a warm-up longer than the run only ramps', () => {
    expect(lrAt(0, { steps: 5, warmup: 0, lr: 3e-3, minLr: 0 })).toBe(3e-3);
    // steps 4 of 5 with W = 40: lr·5/40
    expect(lrAt(4, { steps: 5, warmup: 40, lr: 1, minLr: 0.5 })).toBe(5 / 40);
  });

  it('rises during warm-up, then never rises, and stays within [minLr, lr]', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1e-5, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }), (steps, wf, lr, mf) => {
        const o = { steps, warmup: Math.floor(wf * steps), lr, minLr: mf * lr };
        const lrs = Array.from({ length: steps + 2 }, (_, s) => lrAt(s, o));
        for (let s = 1; s < lrs.length; s++) {
          if (s < o.warmup) expect(lrs[s]).toBeGreaterThan(lrs[s - 1]);
          else if (s > o.warmup) expect(lrs[s]).toBeLessThanOrEqual(lrs[s - 1] + 1e-15 * lr);
        }
        for (const v of lrs) {
          expect(v).toBeGreaterThanOrEqual(o.minLr - 1e-15 * lr);
          expect(v).toBeLessThanOrEqual(lr * (1 + 1e-15));
        }
      }));
  });
});

describe('trainOptions', () => {
  it('fills every default and keeps what is given', () => {
    expect(trainOptions()).toEqual(DEFAULT_TRAIN_OPTIONS);
    expect(trainOptions({ steps: 7, maxGradNorm: Infinity })).toEqual({ ...DEFAULT_TRAIN_OPTIONS, steps: 7, maxGradNorm: Infinity });
  });

  it('names the field, the expectation and the value', () => {
    expectDiffAttnError(() => trainOptions({ steps: 0 }), 'value', /'steps' must be an integer ≥ 1, got 0/);
    expectDiffAttnError(() => trainOptions({ batch: 6, microBatches: 4 }), 'value', /'microBatches' must be a divisor of batch \(6\), got 4/);
    expectDiffAttnError(() => trainOptions({ lr: 1e-3, minLr: 1e-2 }), 'value', /'minLr' must be ≤ lr \(0.001\), got 0.01/);
    expectDiffAttnError(() => trainOptions({ warmup: 1.5 }), 'value', /'warmup' must be an integer ≥ 0, got 1.5/);
    expectDiffAttnError(() => trainOptions({ beta2: 1 }), 'value', /'beta2' must be a number in \[0, 1\), got 1/);
    expectDiffAttnError(() => trainOptions({ lr: NaN }), 'value', /'lr' must be a finite number ≥ 0, got NaN/);
    expectDiffAttnError(() => trainOptions({ maxGradNorm: 0 }), 'value', /'maxGradNorm' must be a number > 0/);
    expectDiffAttnError(() => trainOptions({ seed: -1 }), 'value', /'seed' must be an integer in \[0, 2\^32\)/);
    expectDiffAttnError(() => trainOptions({ stpes: 3 } as never), 'unknown', /unknown option 'stpes'/);
    expectDiffAttnError(() => trainOptions({ steps: '5' } as never), 'value', /'steps' must be a number, got "5"/);
  });

  it('lets the caller name the fields (the CLI names its flags)', () => {
    expectDiffAttnError(() => trainOptions({ context: 0 }, (f) => `--${f}`), 'value', /^--context must be an integer ≥ 1, got 0$/);
  });
});
