import { check } from '../../errors.js';
import { Tensor } from '../tensor.js';

/**
 * RMSNorm over the last axis (size n), with an optional gain w (shape [n]):
 *   y_i = w_i · x_i · r,   r = (mean_j x_j² + ε)^(−½)
 *
 * Backward. With a_i = w_i g_i (g = ∂L/∂y) and ∂r/∂x_j = −r³ x_j / n:
 *   ∂L/∂x_j = Σ_i a_i (δ_ij r + x_i ∂r/∂x_j) = r a_j − (r³/n) x_j Σ_i a_i x_i
 *   ∂L/∂w_i = Σ_rows g_i x_i r
 */
export function rmsnorm(x: Tensor, weight: Tensor | null, eps: number): Tensor {
  const n = x.shape[x.ndim - 1];
  check(weight === null || (weight.ndim === 1 && weight.shape[0] === n), 'shape', () =>
    `rmsnorm: weight must have shape [${n}] (the last axis of x [${x.shape}]), got [${weight!.shape}]`);
  check(eps >= 0 && Number.isFinite(eps), 'value', () => `rmsnorm: eps must be finite and ≥ 0, got ${eps}`);
  const w = weight?.data;
  const rows = x.size / n;
  const r = new Float64Array(rows);
  const y = new Float64Array(x.size);
  for (let row = 0; row < rows; row++) {
    let ss = 0;
    for (let i = row * n; i < (row + 1) * n; i++) ss += x.data[i] * x.data[i];
    r[row] = 1 / Math.sqrt(ss / n + eps);
    for (let i = 0; i < n; i++) y[row * n + i] = x.data[row * n + i] * r[row] * (w ? w[i] : 1);
  }
  const parents = weight ? [x, weight] : [x];
  return Tensor.fromOp(y, x.shape, 'rmsnorm', parents, (g) => {
    const gx = new Float64Array(x.size);
    const gw = new Float64Array(n);
    for (let row = 0; row < rows; row++) {
      const o = row * n, rr = r[row];
      let dot = 0;
      for (let i = 0; i < n; i++) dot += g[o + i] * (w ? w[i] : 1) * x.data[o + i];
      for (let i = 0; i < n; i++) {
        gx[o + i] = rr * g[o + i] * (w ? w[i] : 1) - ((rr * rr * rr) / n) * x.data[o + i] * dot;
        gw[i] += g[o + i] * x.data[o + i] * rr;
      }
    }
    return [gx, gw];
  });
}
