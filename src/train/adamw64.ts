/**
 * torch.optim.AdamW (amsgrad = False, maximize = False) in float64, one step t ≥ 1, transcribed
 * from the PyTorch documentation's algorithm and its single-tensor implementation:
 *
 *   θ ← θ − γλθ                                       decoupled weight decay
 *   m ← m + (1 − β1)·(g − m)                          (m.lerp_(g, 1 − β1) = β1·m + (1 − β1)·g)
 *   v ← β2·v + (1 − β2)·g²
 *   θ ← θ − (γ / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 *
 * The reference the engine's float32 kernel (assembly/adamw.ts) and the reference trainer use.
 */
import type { AdamWOptions } from '../engine/kernels/adamw.js';

/** p, g, m, v: [n] → p, m, v updated in place (m = v = 0 before step 1). */
export function adamwFloat64(p: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, o: Required<AdamWOptions>, t: number): void {
  const bias1 = 1 - o.beta1 ** t;
  const bias2 = 1 - o.beta2 ** t;
  for (let i = 0; i < p.length; i++) {
    p[i] *= 1 - o.lr * o.weightDecay;
    m[i] += (g[i] - m[i]) * (1 - o.beta1);
    v[i] = v[i] * o.beta2 + (1 - o.beta2) * g[i] * g[i];
    p[i] -= (o.lr / bias1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bias2) + o.eps));
  }
}
