/**
 * The unary elementwise ops: exp, log, sigmoid, silu, scale. Every one gets the same three tests
 * from the table (gradcheck, forward against its textbook definition, constants stay off the
 * graph); the identities specific to one op follow.
 *
 * Value ranges keep central differences well-conditioned: log only on [0.5, 3] (ln is singular at
 * 0), exp on [−2, 2] and the sigmoids on [−4, 4] so no value or derivative is extreme. None of these
 * functions has a non-differentiable point.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { exp, log, scale, sigmoid, silu, sum } from '../../../src/ref/ops/index.js';
import { expectClose, expectGradcheck, leaf, real, tensorArb } from '../arbitraries.js';

interface UnaryCase {
  name: string;
  op: (x: Tensor) => Tensor;
  /** The definition, written independently of src (naive where the range allows it). */
  definition: (x: number) => number;
  range: [number, number];
}

const CASES: UnaryCase[] = [
  { name: 'exp', op: exp, definition: (x) => Math.E ** x, range: [-2, 2] },
  { name: 'log', op: log, definition: (x) => Math.log(x), range: [0.5, 3] },
  { name: 'sigmoid', op: sigmoid, definition: (x) => 1 / (1 + Math.exp(-x)), range: [-4, 4] },
  { name: 'silu', op: silu, definition: (x) => x / (1 + Math.exp(-x)), range: [-4, 4] },
  { name: 'scale by 2.5', op: (x) => scale(x, 2.5), definition: (x) => 2.5 * x, range: [-2, 2] },
  { name: 'scale by −0.3', op: (x) => scale(x, -0.3), definition: (x) => -0.3 * x, range: [-2, 2] },
];

describe.each(CASES)('$name', ({ op, definition, range }) => {
  const input = tensorArb({ maxRank: 3 }, real(...range));

  it('passes gradcheck', () => {
    fc.assert(fc.property(input, (xs) => expectGradcheck(op, [leaf(xs)])));
  });

  it('computes the definition elementwise and keeps the shape', () => {
    fc.assert(fc.property(input, (xs) => {
      const y = op(leaf(xs));
      expect(y.shape).toEqual(xs.shape);
      expectClose(y.data, xs.values.map(definition), 1e-14);
    }));
  });

  it('stays off the graph when x needs no gradient', () => {
    const y = op(Tensor.from([1, 2], [2]));
    expect([y.requiresGrad, y.op]).toEqual([false, 'leaf']);
  });
});

/** ∂/∂x_i of Σ op(x), read off autograd. */
function derivative(op: (x: Tensor) => Tensor, values: number[]): Float64Array {
  const x = Tensor.from(values, [values.length], true);
  sum(op(x)).backward();
  return x.grad!;
}

describe('op-specific identities', () => {
  it('exp and log are inverse: log(exp(x)) = x, exp(log(x)) = x; exp(0) = 1, log(1) = 0', () => {
    fc.assert(fc.property(tensorArb({}, real(0.5, 3)), (xs) => {
      expectClose(log(exp(leaf(xs))).data, xs.values, 1e-14);
      expectClose(exp(log(leaf(xs))).data, xs.values, 1e-14);
    }));
    expect([exp(Tensor.scalar(0)).item(), log(Tensor.scalar(1)).item()]).toEqual([1, 0]);
  });

  it('sigmoid(0) = 1/2 and sigmoid′(0) = 1/4', () => {
    // σ(0) = 1/(1 + e⁰) = 1/2; σ′ = σ(1 − σ) = 1/2 · 1/2 = 1/4. Both exact in binary.
    expect(sigmoid(Tensor.scalar(0)).item()).toBe(0.5);
    expect([...derivative(sigmoid, [0])]).toEqual([0.25]);
  });

  it('sigmoid(−x) = 1 − sigmoid(x)', () => {
    // 1 − 1/(1 + e^−x) = e^−x/(1 + e^−x) = 1/(e^x + 1) = σ(−x).
    fc.assert(fc.property(tensorArb({}, real(-30, 30)), (xs) => {
      const pos = sigmoid(leaf(xs)).data;
      const neg = sigmoid(scale(leaf(xs), -1)).data;
      expectClose(neg, pos.map((p) => 1 - p), 1e-15);
    }));
  });

  it('sigmoid saturates without overflow: σ(±800) is 1 and 0, with derivative 0, never NaN', () => {
    // e^800 overflows to ∞, so a naive e^x/(1 + e^x) would give ∞/∞ = NaN at x = 800.
    expect([...sigmoid(Tensor.from([800, -800], [2])).data]).toEqual([1, 0]);
    expect([...derivative(sigmoid, [800, -800])]).toEqual([0, 0]);
  });

  it('silu(x) = x · sigmoid(x), silu(0) = 0, silu′(0) = 1/2', () => {
    fc.assert(fc.property(tensorArb({}, real(-6, 6)), (xs) => {
      const s = sigmoid(leaf(xs)).data;
      expectClose(silu(leaf(xs)).data, xs.values.map((v, i) => v * s[i]), 1e-15);
    }));
    // silu′(x) = σ(x) + x σ(x)(1 − σ(x)), which at 0 is σ(0) = 1/2.
    expect(silu(Tensor.scalar(0)).item()).toBe(0);
    expect([...derivative(silu, [0])]).toEqual([0.5]);
  });

  it('silu(x) − silu(−x) = x', () => {
    // x σ(x) + x σ(−x) = x (σ(x) + 1 − σ(x)) = x.
    fc.assert(fc.property(tensorArb({}, real(-6, 6)), (xs) => {
      const diff = silu(leaf(xs)).data.map((v, i) => v - silu(scale(leaf(xs), -1)).data[i]);
      expectClose(diff, xs.values, 1e-14);
    }));
  });

  it('scale: ∂(c·x)/∂x = c, including c = 0', () => {
    fc.assert(fc.property(real(-3, 3), fc.integer({ min: 1, max: 6 }), (c, n) => {
      expect([...derivative((x) => scale(x, c), Array(n).fill(1))]).toEqual(Array(n).fill(c));
    }));
    expect([...derivative((x) => scale(x, 0), [1, 2])]).toEqual([0, 0]);
  });
});
