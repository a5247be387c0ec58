/** permute and transpose: reorder axes. A bijection on the elements, so linear with a 0/1 Jacobian. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { permute, transpose } from '../../../src/ref/ops/index.js';
import {
  expectDiffAttnError, expectGradcheck, leaf, permutationArb, ravel, shapeArb, size, tensorOf, unravel, type TensorSpec,
} from '../arbitraries.js';

/** A tensor and a permutation of its axes, each axis written as a positive or a negative index. */
const cases = shapeArb({ maxRank: 4 }).chain((shape) => fc.record({
  x: tensorOf(shape),
  order: permutationArb(shape.length),
  negative: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
})).map(({ x, order, negative }) => ({
  x, order, written: order.map((a, k) => (negative[k] ? a - x.shape.length : a)),
}));

/** y[i_0, …, i_{n−1}] = x[j] with j[order[k]] = i_k. */
function referencePermute(x: TensorSpec, order: number[]): TensorSpec {
  const shape = order.map((a) => x.shape[a]);
  const values = Array.from({ length: size(shape) }, (_, flat) => {
    const i = unravel(flat, shape);
    const j = new Array<number>(order.length);
    order.forEach((a, k) => { j[a] = i[k]; });
    return x.values[ravel(j, x.shape)];
  });
  return { shape, values };
}

describe('permute', () => {
  it('passes gradcheck', () => {
    fc.assert(fc.property(cases, ({ x, written }) => expectGradcheck((t) => permute(t, written), [leaf(x)])));
  });

  it('matches the reference index mapping (negative axes count from the end)', () => {
    fc.assert(fc.property(cases, ({ x, order, written }) => {
      const y = permute(leaf(x), written);
      const ref = referencePermute(x, order);
      expect([y.shape, [...y.data]]).toEqual([ref.shape, ref.values]);
    }));
  });

  it('followed by the inverse permutation is the identity', () => {
    fc.assert(fc.property(cases, ({ x, order }) => {
      const inverse = new Array<number>(order.length);
      order.forEach((a, k) => { inverse[a] = k; });
      const back = permute(permute(leaf(x), order), inverse);
      expect([back.shape, [...back.data]]).toEqual([x.shape, x.values]);
    }));
  });

  it('rejects an order that is not a permutation of the axes', () => {
    for (const order of [[0], [0, 0], [0, 1, 2], [1, -1]]) {
      expectDiffAttnError(() => permute(Tensor.zeros([2, 3]), order), 'shape',
        /permute: order \[.*\] is not a permutation of the 2 axes of \[2,3\]/);
    }
    expectDiffAttnError(() => permute(Tensor.zeros([2, 3]), [0, 2]), 'shape', /permute: axis 2 is out of range for a tensor of rank 2/);
  });
});

describe('transpose', () => {
  const pairs = shapeArb({ minRank: 2, maxRank: 4 }).chain((shape) => fc.record({
    x: tensorOf(shape),
    a: fc.integer({ min: -shape.length, max: shape.length - 1 }),
    b: fc.integer({ min: -shape.length, max: shape.length - 1 }),
  }));

  it('passes gradcheck', () => {
    fc.assert(fc.property(pairs, ({ x, a, b }) => expectGradcheck((t) => transpose(t, a, b), [leaf(x)])));
  });

  it('of the last two axes is the matrix transpose of every batch: y[z, j, i] = x[z, i, j]', () => {
    fc.assert(fc.property(shapeArb({ minRank: 2, maxRank: 4 }).chain((s) => tensorOf(s)), (x) => {
      const [M, N] = x.shape.slice(-2);
      const y = transpose(leaf(x), -1, -2);
      expect(y.shape).toEqual([...x.shape.slice(0, -2), N, M]);
      for (let z = 0; z < x.values.length / (M * N); z++) {
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) expect(y.data[z * M * N + j * M + i]).toBe(x.values[z * M * N + i * N + j]);
        }
      }
    }));
  });

  it('twice is the identity', () => {
    fc.assert(fc.property(pairs, ({ x, a, b }) => {
      const back = transpose(transpose(leaf(x), a, b), a, b);
      expect([back.shape, [...back.data]]).toEqual([x.shape, x.values]);
    }));
  });

  it('rejects an axis out of range', () => {
    expectDiffAttnError(() => transpose(Tensor.zeros([2, 3]), 0, 2), 'shape', /transpose: axis 2 is out of range for a tensor of rank 2/);
  });
});
