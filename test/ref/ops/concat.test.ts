/** concat of 1–3 tensors along an axis. Linear: each input gets its own slab of the gradient. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { concat, slice } from '../../../src/ref/ops/index.js';
import {
  dim, expectDiffAttnError, expectGradcheck, leaf, ravel, shapeAndAxis, size, tensorOf, unravel, type TensorSpec,
} from '../arbitraries.js';

/** 1–3 tensors that agree on every dimension except `axis`, where each has its own size in 1..4. */
const pieces = shapeAndAxis({ maxRank: 3, maxDim: 4 }).chain(({ shape, axis }) => {
  const ax = axis < 0 ? axis + shape.length : axis;
  return fc.array(dim(4), { minLength: 1, maxLength: 3 }).chain((sizes) => fc.record({
    xs: fc.tuple(...sizes.map((n) => tensorOf(shape.map((d, k) => (k === ax ? n : d))))),
    axis: fc.constant(axis),
    ax: fc.constant(ax),
  }));
});

/** y[…, i, …] reads piece p at i − (sizes of the pieces before p), found by walking the pieces. */
function referenceConcat(xs: TensorSpec[], ax: number): TensorSpec {
  const shape = xs[0].shape.map((d, k) => (k === ax ? xs.reduce((s, x) => s + x.shape[ax], 0) : d));
  const values = Array.from({ length: size(shape) }, (_, flat) => {
    const i = unravel(flat, shape);
    let p = 0;
    while (i[ax] >= xs[p].shape[ax]) i[ax] -= xs[p++].shape[ax];
    return xs[p].values[ravel(i, xs[p].shape)];
  });
  return { shape, values };
}

describe('concat', () => {
  it('passes gradcheck for every piece', () => {
    fc.assert(fc.property(pieces, ({ xs, axis }) =>
      expectGradcheck((...ts) => concat(ts, axis), xs.map((x) => leaf(x)))));
  });

  it('passes gradcheck when the same tensor appears twice (its two slabs add up)', () => {
    fc.assert(fc.property(pieces, ({ xs, axis }) =>
      expectGradcheck((t) => concat([t, t], axis), [leaf(xs[0])])));
  });

  it('matches the reference', () => {
    fc.assert(fc.property(pieces, ({ xs, ax, axis }) => {
      const y = concat(xs.map((x) => leaf(x)), axis);
      const ref = referenceConcat(xs, ax);
      expect([y.shape, [...y.data]]).toEqual([ref.shape, ref.values]);
    }));
  });

  it('then slicing each piece back out is the identity', () => {
    fc.assert(fc.property(pieces, ({ xs, axis, ax }) => {
      const y = concat(xs.map((x) => leaf(x)), axis);
      let start = 0;
      for (const x of xs) {
        const back = slice(y, axis, start, start + x.shape[ax]);
        expect([back.shape, [...back.data]]).toEqual([x.shape, x.values]);
        start += x.shape[ax];
      }
    }));
  });

  it('rejects an empty list', () => {
    expectDiffAttnError(() => concat([], 0), 'value', /concat: needs at least one tensor/);
  });

  it('rejects tensors that differ off the axis, or in rank, and a bad axis', () => {
    expectDiffAttnError(() => concat([Tensor.zeros([2, 3]), Tensor.zeros([2, 4])], 0), 'shape',
      /concat: tensor 1 has shape \[2,4\], incompatible with \[2,3\] along axis 0/);
    expectDiffAttnError(() => concat([Tensor.zeros([2, 3]), Tensor.zeros([2, 3, 1])], 1), 'shape',
      /concat: tensor 1 has shape \[2,3,1\], incompatible with \[2,3\] along axis 1/);
    expectDiffAttnError(() => concat([Tensor.zeros([2, 3])], 2), 'shape', /concat: axis 2 is out of range for a tensor of rank 2/);
  });
});
