/**
 * The reductions sum and mean: over one axis (positive or negative index, with or without keepDim)
 * and over everything. Linear, so gradcheck is exact up to round-off for any values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { mean, sum } from '../../../src/ref/ops/index.js';
import {
  expectClose, expectDiffAttnError, expectGradcheck, leaf, ravel, tensorArb, unravel,
  type TensorSpec,
} from '../arbitraries.js';

/** Σ (or mean) over `axis` by visiting every input element once and adding it to its output slot. */
function referenceReduce(x: TensorSpec, axis: number, keepDim: boolean, average: boolean): TensorSpec {
  const ax = axis < 0 ? axis + x.shape.length : axis;
  const kept = x.shape.map((d, k) => (k === ax ? 1 : d));
  const values = new Array<number>(x.values.length / x.shape[ax]).fill(0);
  x.values.forEach((v, flat) => {
    const idx = unravel(flat, x.shape);
    idx[ax] = 0;
    values[ravel(idx, kept)] += average ? v / x.shape[ax] : v;
  });
  return { shape: keepDim ? kept : x.shape.filter((_, k) => k !== ax), values };
}

const input = tensorArb({ maxRank: 4, maxSize: 144 });

/** Every way to name an axis of a rank-n tensor (0..n−1 and −n..−1), each with and without keepDim. */
function axisChoices(rank: number): Array<{ axis: number; keepDim: boolean }> {
  const axes = [...Array(rank).keys()].flatMap((a) => [a, a - rank]);
  return axes.flatMap((axis) => [{ axis, keepDim: false }, { axis, keepDim: true }]);
}

const CASES = [
  { name: 'sum', op: sum, average: false },
  { name: 'mean', op: mean, average: true },
];

describe.each(CASES)('$name', ({ name, op, average }) => {
  it('over each axis passes gradcheck (± index, keepDim or not)', () => {
    fc.assert(fc.property(input, (x) => {
      for (const { axis, keepDim } of axisChoices(x.shape.length)) expectGradcheck((t) => op(t, axis, keepDim), [leaf(x)]);
    }));
  });

  it('over everything passes gradcheck', () => {
    fc.assert(fc.property(tensorArb({ maxRank: 4 }), (x) => expectGradcheck((t) => op(t), [leaf(x)])));
  });

  it('over each axis matches the reference, with the axis removed or kept as 1', () => {
    fc.assert(fc.property(input, (x) => {
      for (const { axis, keepDim } of axisChoices(x.shape.length)) {
        const y = op(leaf(x), axis, keepDim);
        const ref = referenceReduce(x, axis, keepDim, average);
        expect(y.shape).toEqual(ref.shape);
        expectClose(y.data, ref.values, 1e-13);
      }
    }));
  });

  it('over everything gives shape [1] holding the total (or total / size)', () => {
    fc.assert(fc.property(tensorArb({ maxRank: 4 }), fc.boolean(), (x, keepDim) => {
      const y = op(leaf(x), undefined, keepDim);
      const total = x.values.reduce((s, v) => s + v, 0);
      expect(y.shape).toEqual([1]);
      expectClose(y.data, [average ? total / x.values.length : total], 1e-13);
    }));
  });

  it('rejects an axis out of range or not an integer', () => {
    for (const axis of [2, -3, 0.5]) {
      expectDiffAttnError(() => op(Tensor.zeros([2, 3]), axis), 'shape',
        new RegExp(`${name}: axis ${axis} is out of range for a tensor of rank 2`));
    }
  });
});

describe('mean', () => {
  it('equals sum / n over an axis and over everything', () => {
    fc.assert(fc.property(input, (x) => {
      for (const { axis, keepDim } of axisChoices(x.shape.length)) {
        const n = x.shape[axis < 0 ? axis + x.shape.length : axis];
        expectClose(mean(leaf(x), axis, keepDim).data, [...sum(leaf(x), axis, keepDim).data].map((v) => v / n), 1e-14);
      }
      expectClose(mean(leaf(x)).data, [sum(leaf(x)).item() / x.values.length], 1e-14);
    }));
  });

  it('spreads the gradient evenly: ∂ mean(x)/∂x_i = 1/n', () => {
    const x = Tensor.zeros([2, 4], true);
    mean(x).backward();
    expect([...x.grad!]).toEqual(Array(8).fill(1 / 8));
  });
});
