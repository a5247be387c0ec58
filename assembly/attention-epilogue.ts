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
import { BR } from './attention-work';
import { transpose4 } from './transpose';

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
 * The epilogue of a prefill block, four rows at a time: the same arithmetic as `finishRow` (the
 * f64 sums in the same order, so the same bits), with the rows in the lanes of oT until a 4 × 4
 * transpose writes them out; rows of a last partial group of four go through `finishRow`.
 * oT: [dv4, BR] → y: [nr rows, dv] (row stride ldy), rstd: [nr] (V1's r; 0 to skip)
 */
export function finishBlock(desc: AttnDesc, oT: usize, nr: i32, y: usize, ldy: usize, rstd: usize): void {
  const n = desc.dv;
  const n4 = n & ~3;
  const st = <usize>BR << 2;
  const v1 = desc.kind == DIFF_V1;
  const g = desc.gain;
  let r0 = 0;
  for (; r0 + 4 <= nr; r0 += 4) {
    const col = oT + (<usize>r0 << 2);
    let k = f32x4.splat(1);
    if (v1) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (let c = 0; c < n; c++) {
        const x = v128.load(col + <usize>c * st);
        const xl = f64x2.promote_low_f32x4(x);
        const xh = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3));
        lo = f64x2.add(lo, f64x2.mul(xl, xl));
        hi = f64x2.add(hi, f64x2.mul(xh, xh));
      }
      const r = f32x4(rOf(desc, f64x2.extract_lane(lo, 0)), rOf(desc, f64x2.extract_lane(lo, 1)),
        rOf(desc, f64x2.extract_lane(hi, 0)), rOf(desc, f64x2.extract_lane(hi, 1)));
      if (rstd != 0) v128.store(rstd + (<usize>r0 << 2), r);
      k = f32x4.mul(r, f32x4.splat(desc.outScale));
    }
    const yr = y + <usize>r0 * ldy;
    for (let c0 = 0; c0 < n4; c0 += 4) {
      const p = col + <usize>c0 * st;
      let v0 = v128.load(p), w1 = v128.load(p + st), v2 = v128.load(p + 2 * st), v3 = v128.load(p + 3 * st);
      if (v1) {
        v0 = f32x4.mul(f32x4.mul(v0, k), f32x4.splat(gainAt(g, c0)));
        w1 = f32x4.mul(f32x4.mul(w1, k), f32x4.splat(gainAt(g, c0 + 1)));
        v2 = f32x4.mul(f32x4.mul(v2, k), f32x4.splat(gainAt(g, c0 + 2)));
        v3 = f32x4.mul(f32x4.mul(v3, k), f32x4.splat(gainAt(g, c0 + 3)));
      }
      transpose4(v0, w1, v2, v3, yr + (<usize>c0 << 2), ldy);
    }
    for (let c = n4; c < n; c++) {
      const x = v128.load(col + <usize>c * st);
      const out = v1 ? f32x4.mul(f32x4.mul(x, k), f32x4.splat(gainAt(g, c))) : x;
      const at = yr + (<usize>c << 2);
      store<f32>(at, f32x4.extract_lane(out, 0));
      store<f32>(at + ldy, f32x4.extract_lane(out, 1));
      store<f32>(at + 2 * ldy, f32x4.extract_lane(out, 2));
      store<f32>(at + 3 * ldy, f32x4.extract_lane(out, 3));
    }
  }
  for (; r0 < nr; r0++) {
    const rs = finishRow(desc, oT + (<usize>r0 << 2), st, y + <usize>r0 * ldy);
    if (rstd != 0) store<f32>(rstd + (<usize>r0 << 2), rs);
  }
}

// r = (Σ O² / n + ε)^(−½) from the row's f64 sum of squares, as finishRow computes it.
@inline
function rOf(desc: AttnDesc, ss: f64): f32 {
  return <f32>(1 / Math.sqrt(ss / desc.dv + <f64>desc.eps));
}

@inline
function gainAt(g: usize, c: i32): f32 {
  return g != 0 ? load<f32>(g + (<usize>c << 2)) : 1;
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
