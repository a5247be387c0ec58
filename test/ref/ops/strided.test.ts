import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aroundAxis, stridedIndex } from '../../../src/ref/ops/strided.js';
import { stridesOf } from '../../../src/ref/tensor.js';
import { shapeAndAxis, shapeArb, size, unravel } from '../arbitraries.js';

describe('stridedIndex', () => {
  it('equals Σ_k i_k · strides[k] over the row-major multi-indices (i_0, i_1, …) of the shape', () => {
    const arb = shapeArb({ maxRank: 4 }).chain((shape) =>
      fc.tuple(fc.constant(shape), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: shape.length, maxLength: shape.length })));
    fc.assert(fc.property(arb, ([shape, strides]) => {
      const expected = Array.from({ length: size(shape) }, (_, flat) =>
        unravel(flat, shape).reduce((s, i, k) => s + i * strides[k], 0));
      expect([...stridedIndex(shape, strides)]).toEqual(expected);
    }));
  });

  it('with the row-major strides of the shape is the identity 0, 1, …, n−1', () => {
    fc.assert(fc.property(shapeArb({ maxRank: 4 }), (shape) => {
      expect([...stridedIndex(shape, stridesOf(shape))]).toEqual([...Array(size(shape)).keys()]);
    }));
  });

  it('handles rank 0 (one element at offset 0) and an empty dimension (no elements)', () => {
    expect([...stridedIndex([], [])]).toEqual([0]);
    expect([...stridedIndex([3, 0, 2], [0, 2, 1])]).toEqual([]);
  });
});

describe('aroundAxis', () => {
  it('splits a shape into [product before axis, axis size, product after axis]', () => {
    fc.assert(fc.property(shapeAndAxis({ maxRank: 4 }), ({ shape, axis }) => {
      const ax = axis < 0 ? axis + shape.length : axis;
      const [outer, n, inner] = aroundAxis(shape, ax);
      expect(n).toBe(shape[ax]);
      expect(outer).toBe(size(shape.slice(0, ax)));
      expect(inner).toBe(size(shape.slice(ax + 1)));
      expect(outer * n * inner).toBe(size(shape));
    }));
  });
});
