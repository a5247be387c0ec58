/**
 * Tolerances and the per-tensor comparison every backend is judged by:
 * pass ⇔ max_i |impl_i − ref_i| ≤ atol + rtol · max_i |ref_i|.
 * A scale-free relative error (max abs error over the tensor's largest magnitude) is reported too.
 */
import type { F64Tensor } from '../io/golden.js';

export interface Tolerance {
  atol: number;
  rtol: number;
}

/**
 * float64: the golden values are float64 round-off away from the exact result (the format's
 * self-check reaches ≤ 3.7e-13 on gradients), so 1e-10 relative leaves room for a different but
 * equally exact order of operations while catching any real discrepancy.
 * float32: the official module run in float32 stays ≤ 1.1e-6 relative (README §7); 5e-5 leaves
 * room for longer reductions, and atol 1e-6 covers the tiny, ill-conditioned λ gradients at T = 1.
 */
export const TOLERANCES = {
  float64: { atol: 1e-12, rtol: 1e-10 },
  float32: { atol: 1e-6, rtol: 5e-5 },
} as const satisfies Record<string, Tolerance>;

export interface TensorReport {
  name: string;
  maxAbsErr: number;
  maxRelErr: number;
  pass: boolean;
  /** Why the tensor failed without a numeric comparison (shape mismatch, not computed). */
  note?: string;
}

/** Compares `impl` with `ref` elementwise under `tol`; NaN anywhere fails. */
export function compareTensor(name: string, impl: F64Tensor, ref: F64Tensor, tol: Tolerance): TensorReport {
  if (impl.shape.length !== ref.shape.length || impl.shape.some((d, i) => d !== ref.shape[i])) {
    return { name, maxAbsErr: Infinity, maxRelErr: Infinity, pass: false, note: `shape [${impl.shape}] vs expected [${ref.shape}]` };
  }
  let maxAbs = 0, scale = 0, finite = true;
  for (let i = 0; i < ref.data.length; i++) {
    const err = Math.abs(impl.data[i] - ref.data[i]);
    if (!(err <= Infinity)) finite = false; // NaN
    maxAbs = Math.max(maxAbs, err);
    scale = Math.max(scale, Math.abs(ref.data[i]));
  }
  if (!finite) return { name, maxAbsErr: NaN, maxRelErr: NaN, pass: false, note: 'NaN in the result' };
  const maxRelErr = scale > 0 ? maxAbs / scale : maxAbs;
  return { name, maxAbsErr: maxAbs, maxRelErr, pass: maxAbs <= tol.atol + tol.rtol * scale };
}
