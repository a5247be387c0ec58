import { check } from '../../errors.js';
import { Tensor } from '../tensor.js';
import { broadcastIndex, broadcastShapes } from './elementwise.js';

/**
 * Softmax over the last axis after adding a constant additive `mask` (e.g. −∞ above the diagonal
 * for causal attention); the mask broadcasts against x and receives no gradient.
 *   y_i = exp(z_i − max z) / Σ_j exp(z_j − max z),   z = x + mask
 * Subtracting the row maximum changes nothing mathematically and keeps exp from overflowing.
 * A row that is entirely −∞ has no distribution; it yields zeros rather than NaN.
 *
 * Backward: ∂y_i/∂z_j = y_i(δ_ij − y_j), so ∂L/∂x_j = y_j (g_j − Σ_i g_i y_i).
 */
export function softmax(x: Tensor, mask?: Tensor): Tensor {
  check(x.ndim >= 1, 'shape', () => 'softmax: x must have at least one axis');
  const n = x.shape[x.ndim - 1];
  let z = x.data;
  if (mask) {
    const shape = broadcastShapes(x.shape, mask.shape, 'softmax(mask)');
    check(shape.length === x.ndim && shape.every((d, i) => d === x.shape[i]), 'shape', () =>
      `softmax: mask of shape [${mask.shape}] must broadcast to x's shape [${x.shape}]`);
    const im = broadcastIndex(mask.shape, x.shape);
    z = x.data.map((v, i) => v + mask.data[im[i]]);
  }
  const y = new Float64Array(x.size);
  for (let r = 0; r < x.size; r += n) {
    let max = -Infinity;
    for (let i = r; i < r + n; i++) max = Math.max(max, z[i]);
    if (max === -Infinity) continue;
    let s = 0;
    for (let i = r; i < r + n; i++) s += (y[i] = Math.exp(z[i] - max));
    for (let i = r; i < r + n; i++) y[i] /= s;
  }
  return Tensor.fromOp(y, x.shape, 'softmax', [x], (g) => {
    const gx = new Float64Array(x.size);
    for (let r = 0; r < x.size; r += n) {
      let dot = 0;
      for (let i = r; i < r + n; i++) dot += g[i] * y[i];
      for (let i = r; i < r + n; i++) gx[i] = y[i] * (g[i] - dot);
    }
    return [gx];
  });
}

/** The additive causal mask [T, T]: 0 where key u ≤ query t, −∞ where u > t. */
export function causalMask(T: number): Tensor {
  const m = new Float64Array(T * T);
  for (let t = 0; t < T; t++) for (let u = t + 1; u < T; u++) m[t * T + u] = -Infinity;
  return new Tensor(m, [T, T]);
}
