import { check } from '../../errors.js';
import { Tensor, numel } from '../tensor.js';
import { broadcastIndex, broadcastShapes } from './elementwise.js';

/**
 * Batched matrix product.
 * a: [...batchA, M, K], b: [...batchB, K, N] → [...batch, M, N], batch dimensions broadcast
 * (so `x[B, T, C] @ W[C, N]` uses one W for every batch).
 *
 * Backward, per batch: C = A·B, C_mn = Σ_k A_mk B_kn, so
 *   ∂L/∂A_mk = Σ_n ∂L/∂C_mn · B_kn   (dA = dC·Bᵀ)
 *   ∂L/∂B_kn = Σ_m A_mk · ∂L/∂C_mn   (dB = Aᵀ·dC)
 * and a matrix shared by several batches (broadcast) sums their contributions.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  check(a.ndim >= 2 && b.ndim >= 2, 'shape', () =>
    `matmul: both arguments need rank ≥ 2, got [${a.shape}] and [${b.shape}]`);
  const [M, K] = a.shape.slice(-2);
  const [K2, N] = b.shape.slice(-2);
  check(K === K2, 'shape', () => `matmul: inner dimensions differ: a is [${a.shape}], b is [${b.shape}] (${K} vs ${K2})`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const ia = broadcastIndex(a.shape.slice(0, -2), batch);
  const ib = broadcastIndex(b.shape.slice(0, -2), batch);
  const nb = numel(batch);
  const c = new Float64Array(nb * M * N);
  for (let z = 0; z < nb; z++) {
    const ao = ia[z] * M * K, bo = ib[z] * K * N, co = z * M * N;
    for (let m = 0; m < M; m++) {
      for (let k = 0; k < K; k++) {
        const amk = a.data[ao + m * K + k];
        for (let n = 0; n < N; n++) c[co + m * N + n] += amk * b.data[bo + k * N + n];
      }
    }
  }
  return Tensor.fromOp(c, [...batch, M, N], 'matmul', [a, b], (g) => {
    const ga = new Float64Array(a.size);
    const gb = new Float64Array(b.size);
    for (let z = 0; z < nb; z++) {
      const ao = ia[z] * M * K, bo = ib[z] * K * N, co = z * M * N;
      for (let m = 0; m < M; m++) {
        for (let k = 0; k < K; k++) {
          const amk = a.data[ao + m * K + k];
          let s = 0;
          for (let n = 0; n < N; n++) {
            const gmn = g[co + m * N + n];
            s += gmn * b.data[bo + k * N + n];
            gb[bo + k * N + n] += amk * gmn;
          }
          ga[ao + m * K + k] += s;
        }
      }
    }
    return [ga, gb];
  });
}
