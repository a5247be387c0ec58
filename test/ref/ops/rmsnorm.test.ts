/**
 * rmsnorm over the last axis: y_i = w_i x_i / sqrt(mean_j x_j² + ε). Smooth wherever mean x² + ε > 0;
 * x is drawn with |x_i| ≥ 0.25, so the rows stay away from the singular point x = 0 even at ε = 0.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { rmsnorm } from '../../../src/ref/ops/index.js';
import {
  awayFromZero, expectClose, expectDiffAttnError, expectGradcheck, leaf, real, tensorArb, tensorOf,
  type TensorSpec,
} from '../arbitraries.js';

const EPS = [0, 1e-6, 1e-3, 0.1, 1];

const inputs = fc.record({
  x: tensorArb({ maxRank: 3 }, awayFromZero(0.25, 2)),
  eps: fc.constantFrom(...EPS),
}).chain(({ x, eps }) => fc.record({
  x: fc.constant(x),
  eps: fc.constant(eps),
  w: tensorOf(x.shape.slice(-1), real(-2, 2)),
}));

/** The formula, one row at a time. */
function referenceRmsnorm(x: TensorSpec, w: number[] | null, eps: number): number[] {
  const n = x.shape[x.shape.length - 1];
  const out: number[] = [];
  for (let r = 0; r < x.values.length; r += n) {
    const row = x.values.slice(r, r + n);
    const rms = Math.sqrt(row.reduce((s, v) => s + v * v, 0) / n + eps);
    out.push(...row.map((v, i) => (w ? w[i] : 1) * v / rms));
  }
  return out;
}

describe('rmsnorm', () => {
  it('passes gradcheck with a weight (gradients for x and w)', () => {
    fc.assert(fc.property(inputs, ({ x, w, eps }) =>
      expectGradcheck((t, g) => rmsnorm(t, g, eps), [leaf(x), leaf(w)])));
  });

  it('passes gradcheck without a weight', () => {
    fc.assert(fc.property(inputs, ({ x, eps }) => expectGradcheck((t) => rmsnorm(t, null, eps), [leaf(x)])));
  });

  it('matches the formula, with and without a weight', () => {
    fc.assert(fc.property(inputs, ({ x, w, eps }) => {
      const y = rmsnorm(leaf(x), leaf(w), eps);
      expect(y.shape).toEqual(x.shape);
      expectClose(y.data, referenceRmsnorm(x, w.values, eps), 1e-14);
      expectClose(rmsnorm(leaf(x), null, eps).data, referenceRmsnorm(x, null, eps), 1e-14);
    }));
  });

  it('with ε = 0 and no weight gives rows of root-mean-square 1, unchanged by scaling x', () => {
    // y = x / rms(x) has rms(y) = rms(x)/rms(x) = 1, and (c x)/rms(c x) = x/rms(x) for c > 0.
    fc.assert(fc.property(tensorArb({ maxRank: 3 }, awayFromZero(0.25, 2)), real(0.5, 4), (x, c) => {
      const n = x.shape[x.shape.length - 1];
      const y = rmsnorm(leaf(x), null, 0).data;
      for (let r = 0; r < y.length; r += n) {
        const ms = y.subarray(r, r + n).reduce((s, v) => s + v * v, 0) / n;
        expect(Math.abs(ms - 1)).toBeLessThan(1e-14);
      }
      expectClose(rmsnorm(Tensor.from(x.values.map((v) => c * v), x.shape), null, 0).data, y, 1e-14);
    }));
  });

  it('rejects a weight that is not [n] for the last axis n', () => {
    for (const shape of [[4], [1, 3], []]) {
      expectDiffAttnError(() => rmsnorm(Tensor.zeros([2, 3]), Tensor.zeros(shape), 1e-6), 'shape',
        /rmsnorm: weight must have shape \[3\]/);
    }
  });

  it('rejects ε that is negative, NaN or infinite', () => {
    for (const eps of [-1e-6, NaN, Infinity]) {
      expectDiffAttnError(() => rmsnorm(Tensor.zeros([2, 3]), null, eps), 'value', /rmsnorm: eps must be finite and ≥ 0/);
    }
  });
});
