/**
 * Gradients by finite differences of a scalar function of named tensors, with the 4th-order
 * central stencil
 *   g_h = [8·(L(p+h) − L(p−h)) − (L(p+2h) − L(p−2h))] / (12h),   error O(h⁴) + O(ε·|L|/h).
 * The step of each tensor is h ≈ relStep · max|tensor|, rounded to a power of two: the values
 * here are float32-representable (24 significant bits), so p ± h/2, p ± h, p ± 2h are exact in
 * float64 and the stencil divides by the step actually taken.
 *
 * Each element also gets an error estimate |g_h − g_{h/2}| (the same stencil at half the step,
 * costing two more evaluations): where truncation dominates, g_{h/2}'s is 1/16 of g_h's and the
 * difference is 15/16 of g_h's error; where round-off dominates, g_{h/2} carries twice g_h's
 * round-off and the difference overestimates it ~2-fold. Callers use it to decide whether a
 * gradient is accurate enough to store.
 */
import type { Tensor } from './tensor.js';

export interface FdGradient {
  gradient: Tensor;
  /** max over elements of |g_h − g_{h/2}|. */
  errorEstimate: number;
}

export function stepFor(t: Tensor, relStep: number): number {
  const scale = t.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  return 2 ** Math.round(Math.log2(relStep * scale));
}

/**
 * ∂loss/∂t for every tensor in `inputs`. `loss` reads the tensors' current values; each element
 * is perturbed in place and restored bit-exactly before the next.
 */
export function finiteDifferenceGradients(inputs: ReadonlyMap<string, Tensor>, loss: () => number, relStep: number): Map<string, FdGradient> {
  const out = new Map<string, FdGradient>();
  for (const [name, t] of inputs) {
    const h = stepFor(t, relStep);
    const g = new Float64Array(t.data.length);
    let errorEstimate = 0;
    for (let i = 0; i < t.data.length; i++) {
      const p = t.data[i];
      // L(p + k·h) − L(p − k·h)
      const centralDifference = (k: number): number => {
        t.data[i] = p + k * h;
        const plus = loss();
        t.data[i] = p - k * h;
        const minus = loss();
        return plus - minus;
      };
      const [dHalf, d1, d2] = [centralDifference(0.5), centralDifference(1), centralDifference(2)];
      t.data[i] = p;
      g[i] = (8 * d1 - d2) / (12 * h);
      const fine = (8 * dHalf - d1) / (6 * h);
      errorEstimate = Math.max(errorEstimate, Math.abs(g[i] - fine));
    }
    out.set(name, { gradient: { shape: [...t.shape], data: g }, errorEstimate });
  }
  return out;
}
