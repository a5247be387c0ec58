import { Tensor, axisIndex } from '../tensor.js';
import { aroundAxis } from './strided.js';

/**
 * Sum over one axis (or over everything when `axis` is undefined, giving shape [1]).
 * `keepDim` keeps the reduced axis with size 1.
 * Backward: every summed element gets the output's gradient, ∂L/∂x[…, i, …] = ∂L/∂y[…, …].
 */
export function sum(x: Tensor, axis?: number, keepDim = false): Tensor {
  if (axis === undefined) {
    const y = Float64Array.of(x.data.reduce((p, v) => p + v, 0));
    return Tensor.fromOp(y, [1], 'sum', [x], (g) => [new Float64Array(x.size).fill(g[0])]);
  }
  const ax = axisIndex(axis, x.ndim, 'sum');
  const [outer, n, inner] = aroundAxis(x.shape, ax);
  const y = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < inner; c++) y[o * inner + c] += x.data[(o * n + i) * inner + c];
    }
  }
  const shape = keepDim ? x.shape.map((d, k) => (k === ax ? 1 : d)) : x.shape.filter((_, k) => k !== ax);
  return Tensor.fromOp(y, shape, 'sum', [x], (g) => {
    const gx = new Float64Array(x.size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < n; i++) gx.set(g.subarray(o * inner, (o + 1) * inner), (o * n + i) * inner);
    }
    return [gx];
  });
}
