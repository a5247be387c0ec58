import { check } from '../../errors.js';
import { Tensor, axisIndex } from '../tensor.js';
import { aroundAxis } from './strided.js';

/**
 * Picks entries along one axis: y[…, j, …] = x[…, indices[j], …]. Indices may repeat; this is how
 * grouped-query attention hands each query head its key head (`repeat_kv` is indexSelect with
 * h // n_rep).
 * Backward: a scatter-add, ∂L/∂x[…, i, …] = Σ_{j: indices[j] = i} ∂L/∂y[…, j, …].
 */
export function indexSelect(x: Tensor, axis: number, indices: ArrayLike<number>): Tensor {
  const ax = axisIndex(axis, x.ndim, 'indexSelect');
  const [outer, n, inner] = aroundAxis(x.shape, ax);
  const idx = Array.from(indices);
  for (const i of idx) {
    check(Number.isInteger(i) && i >= 0 && i < n, 'value', () =>
      `indexSelect: index ${i} is out of range for axis ${ax} of size ${n}`);
  }
  const m = idx.length;
  const shape = x.shape.map((d, k) => (k === ax ? m : d));
  const y = new Float64Array(outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      y.set(x.data.subarray((o * n + idx[j]) * inner, (o * n + idx[j] + 1) * inner), (o * m + j) * inner);
    }
  }
  return Tensor.fromOp(y, shape, 'indexSelect', [x], (g) => {
    const gx = new Float64Array(x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const src = (o * m + j) * inner, dst = (o * n + idx[j]) * inner;
        for (let c = 0; c < inner; c++) gx[dst + c] += g[src + c];
      }
    }
    return [gx];
  });
}

/** y = x[…, start:end, …] along `axis` (end exclusive): indexSelect over a range. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = axisIndex(axis, x.ndim, 'slice');
  check(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= x.shape[ax],
    'value', () => `slice: range [${start}, ${end}) does not fit axis ${ax} of size ${x.shape[ax]}`);
  return indexSelect(x, ax, Array.from({ length: end - start }, (_, i) => start + i));
}
