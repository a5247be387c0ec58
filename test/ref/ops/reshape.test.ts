/** reshape: same row-major data, new shape, one dimension may be −1. Linear (the identity on data). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { reshape } from '../../../src/ref/ops/index.js';
import { expectDiffAttnError, expectGradcheck, leaf, permutationArb, shapeArb, tensorOf } from '../arbitraries.js';

/**
 * A tensor and a target shape of the same size: its dimensions reordered, then optionally two
 * neighbours merged, and optionally one dimension written as −1.
 */
const cases = shapeArb({ maxRank: 4 }).chain((shape) => fc.record({
  x: tensorOf(shape),
  order: permutationArb(shape.length),
  merge: fc.boolean(),
  inferAt: fc.option(fc.nat(), { nil: undefined }),
})).map(({ x, order, merge, inferAt }) => {
  let target = order.map((k) => x.shape[k]);
  if (merge && target.length > 1) target = [target[0] * target[1], ...target.slice(2)];
  const full = [...target];
  if (inferAt !== undefined) target[inferAt % target.length] = -1;
  return { x, target, full };
});

describe('reshape', () => {
  it('passes gradcheck', () => {
    fc.assert(fc.property(cases, ({ x, target }) => expectGradcheck((t) => reshape(t, target), [leaf(x)])));
  });

  it('keeps the row-major data, takes the new shape, and infers −1 as size / Π(other dims)', () => {
    fc.assert(fc.property(cases, ({ x, target, full }) => {
      const y = reshape(leaf(x), target);
      expect(y.shape).toEqual(full);
      expect([...y.data]).toEqual(x.values);
    }));
  });

  it('reshaped back is the identity, in values and in gradient', () => {
    fc.assert(fc.property(cases, ({ x, target }) => {
      const t = leaf(x);
      const back = reshape(reshape(t, target), x.shape);
      expect([back.shape, [...back.data]]).toEqual([x.shape, x.values]);
      const g = Float64Array.from(x.values, (_, i) => i + 1);
      back.backward(g);
      expect([...t.grad!]).toEqual([...g]);
    }));
  });

  it('copies the data: the result does not alias x', () => {
    const x = Tensor.from([1, 2, 3, 4], [2, 2]);
    const y = reshape(x, [4]);
    y.data[0] = 9;
    expect(x.data[0]).toBe(1);
  });

  it('rejects more than one −1', () => {
    expectDiffAttnError(() => reshape(Tensor.zeros([2, 3]), [-1, -1]), 'shape', /reshape: at most one dimension may be −1/);
  });

  it('rejects a shape of another size, or a −1 that does not divide evenly', () => {
    expectDiffAttnError(() => reshape(Tensor.zeros([2, 3]), [4, 4]), 'shape', /reshape: cannot view \[2,3\] \(6 elements\) as \[4,4\]/);
    expectDiffAttnError(() => reshape(Tensor.zeros([2, 3]), [4, -1]), 'shape', /reshape: cannot view \[2,3\] \(6 elements\) as \[4,-1\]/);
  });

  it('rejects negative dimensions other than −1', () => {
    expectDiffAttnError(() => reshape(Tensor.zeros([2, 3]), [-2, -3]), 'shape', /dimensions must be non-negative integers/);
  });
});
