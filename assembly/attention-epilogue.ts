/**
 * The per-row epilogue of an output head, shared by prefill (O in lanes: stride BR·4) and decode
 * (O contiguous: stride 4), forward and backward.
 *
 * DIFF V1 (equation (3) of the paper, per head and token over its n = dv channels):
 *   y = s0 · g ⊙ O · r,   r = (Σ_c O_c² / n + ε)^(−½),   s0 = 1 − λinit,  g the shared gain (or 1)
 * DIFF V2 and the baseline: y = O (V2's σ-weighted difference is already inside O).
 *
 * The row sums are scalar f64: they run once per row and head, against the O(T·dv) of the row's
 * products, so precision costs nothing measurable here.
 */
import { AttnDesc, DIFF_V1 } from './attention-desc';

/**
 * Writes one row of the head's output and returns its r (V1) or 1.
 * o: [dv] at byte stride os → y: [dv] contiguous
 */
export function finishRow(desc: AttnDesc, o: usize, os: usize, y: usize): f32 {
  const n = desc.dv;
  if (desc.kind != DIFF_V1) {
    for (let c = 0; c < n; c++) store<f32>(y + (<usize>c << 2), load<f32>(o + <usize>c * os));
    return 1;
  }
  let ss: f64 = 0;
  for (let c = 0; c < n; c++) {
    const x = <f64>load<f32>(o + <usize>c * os);
    ss += x * x;
  }
  const r = <f32>(1 / Math.sqrt(ss / n + <f64>desc.eps));
  const k = r * desc.outScale;
  const g = desc.gain;
  for (let c = 0; c < n; c++) {
    const gc: f32 = g != 0 ? load<f32>(g + (<usize>c << 2)) : 1;
    store<f32>(y + (<usize>c << 2), load<f32>(o + <usize>c * os) * k * gc);
  }
  return r;
}

/**
 * Backward of the V1 epilogue for one row. With a = s0 · gy ⊙ g (the gradient reaching O·r) and
 * ∂r/∂O_j = −r³ O_j / n:
 *   dO_j = Σ_c a_c (δ_cj r + O_c ∂r/∂O_j) = r a_j − (r³/n) O_j Σ_c a_c O_c
 *   d(g)_c += s0 · gy_c · O_c · r                  (accumulated in f64 over rows and heads)
 * o: [dv] at byte stride os, gy: [dv] contiguous, r → dO: [dv] contiguous, dgain: f64 [dv] (+=, or 0)
 */
export function normBackwardRow(desc: AttnDesc, o: usize, os: usize, gy: usize, r: f32, dO: usize, dgain: usize): void {
  const n = desc.dv;
  const s0 = <f64>desc.outScale;
  const g = desc.gain;
  let dot: f64 = 0;
  for (let c = 0; c < n; c++) {
    const gc: f64 = g != 0 ? <f64>load<f32>(g + (<usize>c << 2)) : 1;
    dot += s0 * <f64>load<f32>(gy + (<usize>c << 2)) * gc * <f64>load<f32>(o + <usize>c * os);
  }
  const rr = <f64>r;
  const k = rr * rr * rr / n * dot;
  for (let c = 0; c < n; c++) {
    const at = <usize>c << 2;
    const gc: f64 = g != 0 ? <f64>load<f32>(g + at) : 1;
    const gyc = <f64>load<f32>(gy + at);
    const oc = <f64>load<f32>(o + <usize>c * os);
    store<f32>(dO + at, <f32>(rr * s0 * gyc * gc - k * oc));
    if (dgain != 0) {
      const p = dgain + (<usize>c << 3);
      store<f64>(p, load<f64>(p) + s0 * gyc * oc * rr);
    }
  }
}
