/** embedding: rows of weight [V, C] picked by integer ids of any shape. Linear in the weight. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { embedding } from '../../../src/ref/ops/index.js';
import { dim, expectDiffAttnError, expectGradcheck, leaf, shapeArb, size, tensorOf } from '../arbitraries.js';

/** weight [V, C] and ids of shape rank 1–2 drawn from [0, V); with V ≤ 5 ids repeat often. */
const lookups = fc.record({ V: dim(5), C: dim(4), idShape: shapeArb({ maxRank: 2, maxDim: 4 }) })
  .chain(({ V, C, idShape }) => fc.record({
    weight: tensorOf([V, C]),
    idShape: fc.constant(idShape),
    ids: fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: size(idShape), maxLength: size(idShape) }),
  }));

describe('embedding', () => {
  it('passes gradcheck with respect to the weight (repeated ids included)', () => {
    fc.assert(fc.property(lookups, ({ weight, ids, idShape }) =>
      expectGradcheck((w) => embedding(w, ids, idShape), [leaf(weight)])));
  });

  it('gives y[p, :] = W[ids[p], :] with shape [...idShape, C]', () => {
    fc.assert(fc.property(lookups, ({ weight, ids, idShape }) => {
      const C = weight.shape[1];
      const y = embedding(leaf(weight), ids, idShape);
      expect(y.shape).toEqual([...idShape, C]);
      expect([...y.data]).toEqual(ids.flatMap((id) => weight.values.slice(id * C, (id + 1) * C)));
    }));
  });

  it('with an all-ones seed gives each row of W the number of times its id occurs', () => {
    // ∂(Σ y)/∂W[v, c] = Σ_p [ids[p] = v] · 1 = count of v in ids.
    fc.assert(fc.property(lookups, ({ weight, ids, idShape }) => {
      const [V, C] = weight.shape;
      const w = leaf(weight);
      const y = embedding(w, ids, idShape);
      y.backward(new Float64Array(y.size).fill(1));
      const counts = Array.from({ length: V }, (_, v) => ids.filter((id) => id === v).length);
      expect([...w.grad!]).toEqual(counts.flatMap((n) => Array(C).fill(n)));
    }));
  });

  it('rejects a weight that is not [V, C]', () => {
    expectDiffAttnError(() => embedding(Tensor.zeros([6]), [0], [1]), 'shape', /embedding: weight must be \[V, C\], got \[6\]/);
  });

  it('rejects ids that do not fill the id shape', () => {
    expectDiffAttnError(() => embedding(Tensor.zeros([3, 2]), [0, 1, 2], [2, 2]), 'shape', /embedding: 3 ids do not fill shape \[2,2\]/);
  });

  it('rejects an id outside the vocabulary or not an integer', () => {
    for (const id of [3, -1, 1.5]) {
      expectDiffAttnError(() => embedding(Tensor.zeros([3, 2]), [0, id], [2]), 'value',
        new RegExp(`embedding: token id ${id} at position 1 is outside the vocabulary \\[0, 3\\)`));
    }
  });
});
