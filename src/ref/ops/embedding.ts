import { check } from '../../errors.js';
import { Tensor } from '../tensor.js';

/**
 * Row lookup: ids of shape S (integers in [0, V)) into weight [V, C] → [...S, C].
 * Backward: a scatter-add, ∂L/∂W[v] = Σ_{positions p with ids[p] = v} ∂L/∂y[p].
 */
export function embedding(weight: Tensor, ids: ArrayLike<number>, idShape: readonly number[]): Tensor {
  check(weight.ndim === 2, 'shape', () => `embedding: weight must be [V, C], got [${weight.shape}]`);
  const [V, C] = weight.shape;
  check(idShape.every((d) => Number.isInteger(d) && d >= 0), 'shape', () => `embedding: id shape must hold non-negative integers, got [${idShape}]`);
  const n = idShape.reduce((p, d) => p * d, 1);
  check(ids.length === n, 'shape', () => `embedding: ${ids.length} ids do not fill shape [${idShape}]`);
  for (let p = 0; p < n; p++) {
    check(Number.isInteger(ids[p]) && ids[p] >= 0 && ids[p] < V, 'value', () =>
      `embedding: token id ${ids[p]} at position ${p} is outside the vocabulary [0, ${V})`);
  }
  const y = new Float64Array(n * C);
  for (let p = 0; p < n; p++) y.set(weight.data.subarray(ids[p] * C, (ids[p] + 1) * C), p * C);
  return Tensor.fromOp(y, [...idShape, C], 'embedding', [weight], (g) => {
    const gw = new Float64Array(weight.size);
    for (let p = 0; p < n; p++) for (let c = 0; c < C; c++) gw[ids[p] * C + c] += g[p * C + c];
    return [gw];
  });
}
