/**
 * matmul: [...batchA, M, K] @ [...batchB, K, N] with broadcast batch dimensions. Bilinear, so
 * central differences are exact up to round-off for any values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { matmul } from '../../../src/ref/ops/index.js';
import {
  BROADCAST_KINDS, broadcastPair, dim, expectClose, expectDiffAttnError, expectGradcheck, leaf, ravel, size,
  tensorOf, unravel, type BroadcastKind, type TensorSpec,
} from '../arbitraries.js';

/**
 * Operands whose batch shapes broadcast as `kind` says; `fewer dims` reaches rank-0 batches, i.e.
 * one 2-D operand (x[B, T, C] @ W[C, N]); `no batch` is two plain matrices.
 */
function operands(kind: BroadcastKind | 'no batch') {
  const none = fc.constant({ a: [] as number[], b: [] as number[], out: [] as number[] });
  return fc.record({
    batch: kind === 'no batch' ? none : broadcastPair(kind, { maxRank: 2, maxDim: 3 }),
    M: dim(4), K: dim(4), N: dim(4),
  }).chain(({ batch, M, K, N }) => fc.record({
    a: tensorOf([...batch.a, M, K]),
    b: tensorOf([...batch.b, K, N]),
    out: fc.constant([...batch.out, M, N]),
  }));
}

/** C[z, m, n] = Σ_k A[z′, m, k] B[z″, k, n], with z′, z″ the batch elements z reads, as a triple loop. */
function referenceMatmul(a: TensorSpec, b: TensorSpec): { shape: number[]; values: number[] } {
  const [M, K] = a.shape.slice(-2);
  const N = b.shape[b.shape.length - 1];
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const batch = Array.from({ length: rank }, (_, i) =>
    Math.max(batchA[batchA.length - rank + i] ?? 1, batchB[batchB.length - rank + i] ?? 1));
  const pick = (shape: number[], z: number[]): number =>
    ravel(shape.map((d, k) => (d === 1 ? 0 : z[rank - shape.length + k])), shape);
  const values: number[] = [];
  for (let flat = 0; flat < size(batch); flat++) {
    const z = unravel(flat, batch);
    const za = pick(batchA, z), zb = pick(batchB, z);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.values[(za * M + m) * K + k] * b.values[(zb * K + k) * N + n];
        values.push(s);
      }
    }
  }
  return { shape: [...batch, M, N], values };
}

const KINDS = ['no batch', ...BROADCAST_KINDS] as const;

describe('matmul', () => {
  it.each(KINDS)('passes gradcheck for both operands (batch dims: %s)', (kind) => {
    fc.assert(fc.property(operands(kind), ({ a, b }) => expectGradcheck(matmul, [leaf(a), leaf(b)])));
  });

  it.each(KINDS)('equals the triple loop (batch dims: %s)', (kind) => {
    fc.assert(fc.property(operands(kind), ({ a, b, out }) => {
      const y = matmul(leaf(a), leaf(b));
      const ref = referenceMatmul(a, b);
      expect(y.shape).toEqual(out);
      expect(ref.shape).toEqual(out);
      expectClose(y.data, ref.values, 1e-14);
    }));
  });

  it('multiplies a small example by hand', () => {
    // [[1, 2], [3, 4]] · [[5], [6]] = [[1·5 + 2·6], [3·5 + 4·6]] = [[17], [39]].
    const y = matmul(Tensor.from([1, 2, 3, 4], [2, 2]), Tensor.from([5, 6], [2, 1]));
    expect([y.shape, [...y.data]]).toEqual([[2, 1], [17, 39]]);
  });

  it('rejects an operand of rank < 2', () => {
    expectDiffAttnError(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 2])), 'shape', /matmul: both arguments need rank ≥ 2/);
  });

  it('rejects inner dimensions that differ', () => {
    expectDiffAttnError(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2])), 'shape',
      /matmul: inner dimensions differ: a is \[2,3\], b is \[4,2\] \(3 vs 4\)/);
  });

  it('rejects batch dimensions that do not broadcast', () => {
    expectDiffAttnError(() => matmul(Tensor.zeros([2, 1, 1]), Tensor.zeros([3, 1, 1])), 'shape',
      /matmul: shapes \[2\] and \[3\] do not broadcast/);
  });
});
