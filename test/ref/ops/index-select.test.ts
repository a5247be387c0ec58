/** indexSelect (indices may repeat) and slice along one axis. Linear: gathers with scatter-add backward. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { indexSelect, slice } from '../../../src/ref/ops/index.js';
import {
  expectDiffAttnError, expectGradcheck, leaf, ravel, shapeAndAxis, size, tensorOf, unravel, type TensorSpec,
} from '../arbitraries.js';

const axisCases = shapeAndAxis({ maxRank: 4, maxSize: 144 }).map(({ shape, axis }) => ({
  shape, axis, ax: axis < 0 ? axis + shape.length : axis,
}));

/** A tensor, an axis and 1..6 indices into it; with up to 6 draws from ≤ 6 values repeats are common. */
const selections = axisCases.chain(({ shape, axis, ax }) => fc.record({
  x: tensorOf(shape),
  axis: fc.constant(axis),
  ax: fc.constant(ax),
  indices: fc.array(fc.integer({ min: 0, max: shape[ax] - 1 }), { minLength: 1, maxLength: 6 }),
}));

/** A tensor, an axis and a range [start, end) of it; empty ranges (start = end) only if `allowEmpty`. */
function ranges(allowEmpty: boolean) {
  return axisCases.chain(({ shape, axis, ax }) => fc.record({
    x: tensorOf(shape),
    axis: fc.constant(axis),
    ax: fc.constant(ax),
    bounds: fc.integer({ min: 0, max: shape[ax] - (allowEmpty ? 0 : 1) }).chain((start) =>
      fc.integer({ min: start + (allowEmpty ? 0 : 1), max: shape[ax] }).map((end) => [start, end] as const)),
  }));
}

/** y[…, j, …] = x[…, indices[j], …] through multi-indices. */
function referenceSelect(x: TensorSpec, ax: number, indices: readonly number[]): TensorSpec {
  const shape = x.shape.map((d, k) => (k === ax ? indices.length : d));
  const values = Array.from({ length: size(shape) }, (_, flat) => {
    const i = unravel(flat, shape);
    i[ax] = indices[i[ax]];
    return x.values[ravel(i, x.shape)];
  });
  return { shape, values };
}

describe('indexSelect', () => {
  it('passes gradcheck, including repeated indices', () => {
    fc.assert(fc.property(selections, ({ x, axis, indices }) =>
      expectGradcheck((t) => indexSelect(t, axis, indices), [leaf(x)])));
  });

  it('matches the reference gather', () => {
    fc.assert(fc.property(selections, ({ x, axis, ax, indices }) => {
      const y = indexSelect(leaf(x), axis, indices);
      const ref = referenceSelect(x, ax, indices);
      expect([y.shape, [...y.data]]).toEqual([ref.shape, ref.values]);
    }));
  });

  it('adds up the gradient of a repeated index: picking row 0 three times gives it 3', () => {
    const x = Tensor.zeros([2, 2], true);
    indexSelect(x, 0, [0, 1, 0, 0]).backward(new Float64Array(8).fill(1));
    expect([...x.grad!]).toEqual([3, 3, 1, 1]);
  });

  it('rejects an index out of range or not an integer, and a bad axis', () => {
    for (const i of [2, -1, 0.5]) {
      expectDiffAttnError(() => indexSelect(Tensor.zeros([2, 3]), 0, [0, i]), 'value',
        new RegExp(`indexSelect: index ${i} is out of range for axis 0 of size 2`));
    }
    expectDiffAttnError(() => indexSelect(Tensor.zeros([2, 3]), 2, [0]), 'shape', /indexSelect: axis 2 is out of range/);
  });
});

describe('slice', () => {
  it('passes gradcheck', () => {
    // Non-empty: an empty slice has no output, so no gradient to check.
    fc.assert(fc.property(ranges(false), ({ x, axis, bounds: [p, q] }) =>
      expectGradcheck((t) => slice(t, axis, p, q), [leaf(x)])));
  });

  it('equals the gather of start, start+1, …, end−1 (possibly empty)', () => {
    fc.assert(fc.property(ranges(true), ({ x, axis, ax, bounds: [p, q] }) => {
      const y = slice(leaf(x), axis, p, q);
      const ref = referenceSelect(x, ax, Array.from({ length: q - p }, (_, i) => p + i));
      expect([y.shape, [...y.data]]).toEqual([ref.shape, ref.values]);
    }));
  });

  it('rejects a range that does not fit the axis', () => {
    for (const [p, q] of [[2, 1], [0, 4], [-1, 2], [0.5, 2]]) {
      expectDiffAttnError(() => slice(Tensor.zeros([2, 3]), 1, p, q), 'value',
        new RegExp(`slice: range \\[${p}, ${q}\\) does not fit axis 1 of size 3`));
    }
    expectDiffAttnError(() => slice(Tensor.zeros([2, 3]), -3, 0, 1), 'shape', /slice: axis -3 is out of range/);
  });
});
