/**
 * softmax over the last axis, with an optional additive mask (causalMask). Softmax is smooth; the
 * only non-smooth inputs are the −∞ entries of a mask, which are constants: a masked position stays
 * −∞ under x ± h, has probability exactly 0 and gradient 0, so central differences remain valid.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { causalMask, softmax } from '../../../src/ref/ops/index.js';
import {
  dim, expectClose, expectDiffAttnError, expectGradcheck, leaf, real, shapeArb, tensorArb, tensorOf,
} from '../arbitraries.js';

/** exp(z_i) / Σ_j exp(z_j) over each row of length n, straight from the definition (no max shift). */
function naiveSoftmax(z: ArrayLike<number>, n: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < z.length; r += n) {
    const e = Array.from({ length: n }, (_, i) => Math.exp(z[r + i]));
    const s = e.reduce((p, v) => p + v, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

const logits = tensorArb({ maxRank: 3 }, real(-3, 3));

/** Attention-like scores [...lead, T, T] with T in 1..5, for the causal mask. */
const scores = fc.tuple(shapeArb({ minRank: 0, maxRank: 2, maxDim: 3 }), dim(5))
  .chain(([lead, T]) => tensorOf([...lead, T, T], real(-3, 3)));

describe('softmax', () => {
  it('passes gradcheck without a mask', () => {
    fc.assert(fc.property(logits, (x) => expectGradcheck((t) => softmax(t), [leaf(x)])));
  });

  it('passes gradcheck with a causal mask broadcast over leading dims', () => {
    fc.assert(fc.property(scores, (x) => {
      const T = x.shape[x.shape.length - 1];
      expectGradcheck((t) => softmax(t, causalMask(T)), [leaf(x)]);
    }));
  });

  it('passes gradcheck with a finite additive mask of a broadcastable shape', () => {
    const arb = logits.chain((x) => fc.tuple(fc.constant(x), tensorOf(x.shape.slice(-1), real(-2, 2))));
    fc.assert(fc.property(arb, ([x, m]) => expectGradcheck((t) => softmax(t, leaf(m, false)), [leaf(x)])));
  });

  it('equals exp(x) / Σ exp(x) on each row, and each row sums to 1', () => {
    fc.assert(fc.property(logits, (x) => {
      const n = x.shape[x.shape.length - 1];
      const y = softmax(leaf(x));
      expect(y.shape).toEqual(x.shape);
      expectClose(y.data, naiveSoftmax(x.values, n), 1e-14);
      for (let r = 0; r < y.size; r += n) {
        expect(Math.abs(y.data.subarray(r, r + n).reduce((p, v) => p + v, 0) - 1)).toBeLessThan(1e-14);
      }
    }));
  });

  it('adds the mask before normalising: softmax(x, m) = softmax(x + m)', () => {
    const arb = logits.chain((x) => fc.tuple(fc.constant(x), tensorOf(x.shape.slice(-1), real(-2, 2))));
    fc.assert(fc.property(arb, ([x, m]) => {
      const n = m.values.length;
      const z = x.values.map((v, i) => v + m.values[i % n]);
      expectClose(softmax(leaf(x), leaf(m, false)).data, naiveSoftmax(z, n), 1e-14);
    }));
  });

  it('with a causal mask: row t is the softmax of its first t+1 entries and exactly 0 after', () => {
    fc.assert(fc.property(scores, (x) => {
      const T = x.shape[x.shape.length - 1];
      const y = softmax(leaf(x), causalMask(T)).data;
      for (let r = 0; r < y.length; r += T) {
        const t = (r / T) % T;
        expectClose(y.subarray(r, r + t + 1), naiveSoftmax(x.values.slice(r, r + t + 1), t + 1), 1e-14);
        expect([...y.subarray(r + t + 1, r + T)]).toEqual(Array(T - t - 1).fill(0));
      }
    }));
  });

  it('is invariant to adding a constant to a row', () => {
    // exp(z_i + c) / Σ exp(z_j + c) = e^c exp(z_i) / (e^c Σ exp(z_j)).
    fc.assert(fc.property(logits, real(-50, 50), (x, c) => {
      const shifted = softmax(Tensor.from(x.values.map((v) => v + c), x.shape)).data;
      expectClose(shifted, softmax(leaf(x)).data, 1e-12);
    }));
  });

  it('does not overflow on large logits: softmax([1000, 1000]) = [1/2, 1/2]', () => {
    // Equal logits give the uniform distribution; naive exp(1000) would be ∞ and ∞/∞ NaN.
    expect([...softmax(Tensor.from([1000, 1000], [2])).data]).toEqual([0.5, 0.5]);
  });

  it('gives zeros, not NaN, for a row whose every entry is masked, and a zero gradient there', () => {
    const x = Tensor.from([1, 2, 3, 4], [2, 2], true);
    const mask = Tensor.from([-Infinity, -Infinity, 0, 0], [2, 2]);
    const y = softmax(x, mask);
    expect([...y.data.subarray(0, 2)]).toEqual([0, 0]);
    y.backward(Float64Array.of(1, -1, 1, -1));
    expectClose(x.grad!.subarray(0, 2), [0, 0], 0); // ±0
  });

  it('rejects a mask that does not broadcast, or that broadcasts to a larger shape', () => {
    expectDiffAttnError(() => softmax(Tensor.zeros([3, 3]), Tensor.zeros([2])), 'shape',
      /softmax\(mask\): shapes \[3, 3\] and \[2\] do not broadcast/);
    expectDiffAttnError(() => softmax(Tensor.zeros([3, 3]), Tensor.zeros([2, 3, 3])), 'shape',
      /softmax: mask of shape \[2,3,3\] must broadcast to x's shape \[3,3\]/);
  });

  it('rejects a rank-0 tensor', () => {
    expectDiffAttnError(() => softmax(new Tensor(Float64Array.of(1), [])), 'shape', /softmax: x must have at least one axis/);
  });
});

describe('causalMask', () => {
  it('is 0 where key u ≤ query t and −∞ where u > t', () => {
    fc.assert(fc.property(dim(8), (T) => {
      const m = causalMask(T);
      expect(m.shape).toEqual([T, T]);
      for (let t = 0; t < T; t++) {
        for (let u = 0; u < T; u++) expect(m.data[t * T + u]).toBe(u > t ? -Infinity : 0);
      }
      expect(m.requiresGrad).toBe(false);
    }));
  });
});
