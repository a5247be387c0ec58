/**
 * Exact causal softmax of a query block, with the block's rows in the vector lanes.
 *
 * A score buffer holds Sᵀ: [tv keys, BR rows] (row u = key u, lane r = query t0 + r), in base-2
 * units: the queries were packed with the factor log₂e/√d, so softmax(q·k/√d) = 2^(s − max) / Σ.
 * Key u is visible to query t iff u ≤ t, so for the four lanes r0 … r0+3:
 *   keys u < t0 + r0             visible to all four lanes,
 *   keys t0 + r0 … t0 + r0 + 3   the diagonal: lane l sees key u iff l ≥ u − (t0 + r0),
 *   keys above                   masked for all four (written as exact zeros).
 * Lanes past the block's valid rows (the last block of a sequence) see every key and compute
 * finite garbage that no caller stores.
 */
import { BR } from './attention-work';
import { exp2x4 } from './vmath';

/** log₂e: scores are packed in base-2 units so the exponential is a bare 2^x. */
export const LOG2E: f32 = 1.4426950408889634;
/** ln 2, to turn base-2 log-sum-exps back into natural ones. */
export const LN2: f32 = 0.6931471805599453;

/** All-ones in the lanes l ≥ δ (the lanes that see diagonal key t0 + r0 + δ). */
@inline
export function diagonalMask(delta: i32): v128 {
  return i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(delta));
}

/**
 * Row maxima of a score block, causal (`pmax` is one maxps; NaN scores still end as NaN in the
 * exponentials).
 * s: [tv, BR] → mx: [BR]
 */
export function rowMax(s: usize, tv: i32, t0: i32, mx: usize): void {
  const st = <usize>BR << 2;
  for (let r0 = 0; r0 < BR; r0 += 4) {
    const col = s + (<usize>r0 << 2);
    const full = min(tv, t0 + r0);
    const end = min(tv, t0 + r0 + 4);
    let m = f32x4.splat(-Infinity);
    let p = col;
    for (let u = 0; u < full; u++, p += st) m = f32x4.pmax(m, v128.load(p));
    for (let u = full; u < end; u++, p += st) {
      m = f32x4.pmax(m, v128.bitselect(v128.load(p), f32x4.splat(-Infinity), diagonalMask(u - t0 - r0)));
    }
    v128.store(mx + (<usize>r0 << 2), m);
  }
}

/**
 * In place s ← 2^(s − sub) on visible keys and 0 on masked ones; when `sum` ≠ 0 also the row
 * sums of the result. Forward: sub = row maxima (then sum = Σ, the softmax denominators);
 * backward: sub = the saved log-sum-exps in base 2 (the result is the softmax itself).
 * s: [tv, BR], sub: [BR] → s: [tv, BR], sum: [BR]
 */
export function expRows(s: usize, tv: i32, t0: i32, sub: usize, sum: usize): void {
  const st = <usize>BR << 2;
  for (let r0 = 0; r0 < BR; r0 += 4) {
    const col = s + (<usize>r0 << 2);
    const full = min(tv, t0 + r0);
    const end = min(tv, t0 + r0 + 4);
    const m = v128.load(sub + (<usize>r0 << 2));
    let acc = f32x4.splat(0);
    let p = col;
    for (let u = 0; u < full; u++, p += st) {
      const e = exp2x4(f32x4.sub(v128.load(p), m));
      v128.store(p, e);
      acc = f32x4.add(acc, e);
    }
    for (let u = full; u < end; u++, p += st) {
      const e = v128.and(exp2x4(f32x4.sub(v128.load(p), m)), diagonalMask(u - t0 - r0));
      v128.store(p, e);
      acc = f32x4.add(acc, e);
    }
    for (let u = end; u < tv; u++, p += st) v128.store(p, f32x4.splat(0));
    if (sum != 0) v128.store(sum + (<usize>r0 << 2), acc);
  }
}

/**
 * Per-lane weighted sum of one or two maps: dst = w0 ⊙ a0 (+ w1 ⊙ a1 when a1 ≠ 0), each weight
 * a [BR] vector broadcast down the keys. dst may be a0 or a1.
 * a0, a1: [tv, BR], w0, w1: [BR] → dst: [tv, BR]
 */
export function weightedMaps(dst: usize, a0: usize, w0: usize, a1: usize, w1: usize, tv: i32): void {
  const rowBytes = <usize>BR << 2;
  for (let r0: usize = 0; r0 < rowBytes; r0 += 16) {
    const x0 = v128.load(w0 + r0);
    const x1 = a1 != 0 ? v128.load(w1 + r0) : f32x4.splat(0);
    let o: usize = r0;
    if (a1 != 0) {
      for (let u = 0; u < tv; u++, o += rowBytes) {
        v128.store(dst + o, f32x4.add(f32x4.mul(x0, v128.load(a0 + o)), f32x4.mul(x1, v128.load(a1 + o))));
      }
    } else {
      for (let u = 0; u < tv; u++, o += rowBytes) v128.store(dst + o, f32x4.mul(x0, v128.load(a0 + o)));
    }
  }
}

/**
 * Softmax backward of one map, in place. With G = dO·Vᵀ the gradient reaching c_m·A_m (so
 * ∂L/∂A_m = c_m·G) and R = Σ_u G ⊙ A_m per row:
 *   dS = A ⊙ (c·G − Σ_u c·G ⊙ A) = c · A ⊙ (G − R),   stored × `scale` (= 1/√d, the score scale)
 * and R is ∂L/∂c_m, returned per row. Masked keys keep A = 0, so only keys up to the diagonal
 * are read (G above it may be unwritten).
 * a: [tv, BR] (A_m), g: [tv, BR] (Gᵀ), coef: [BR] → a: [tv, BR] (dSᵀ × scale), R: [BR]
 */
export function softmaxGrad(a: usize, g: usize, tv: i32, t0: i32, coef: usize, scale: f32, R: usize): void {
  const st = <usize>BR << 2;
  for (let r0 = 0; r0 < BR; r0 += 4) {
    const at = <usize>r0 << 2;
    const end = min(tv, t0 + r0 + 4);
    let acc = f32x4.splat(0);
    for (let u = 0, o = at; u < end; u++, o += st) acc = f32x4.add(acc, f32x4.mul(v128.load(g + o), v128.load(a + o)));
    v128.store(R + at, acc);
    const kc = f32x4.mul(v128.load(coef + at), f32x4.splat(scale));
    for (let u = 0, o = at; u < end; u++, o += st) {
      v128.store(a + o, f32x4.mul(f32x4.mul(kc, v128.load(a + o)), f32x4.sub(v128.load(g + o), acc)));
    }
  }
}
