/**
 * RMSNorm over the last axis, forward and backward (llm.c style pair):
 *   y = x · r · w,   r = 1/√(mean x² + ε)  (per row; w is the optional gain [n])
 * One kernel serves the pre-norms (rows = B·T, n = d_model) and DIFF V1's per-head norm over the
 * 2d value channels (rows = B·T·H, n = 2d).
 *
 * The sum of squares is accumulated in f32 lanes (vec.ts): its terms are all ≥ 0, so there is no
 * cancellation and its relative error stays ≲ (n/4 + 2)·ε — about 1e-5 at n = 4096, well inside
 * what the rest of an f32 forward pass loses.
 */
import { assertRange } from './checks';
import { addScaledProductTo, combineTo, dot, mulScaledTo, scaleTo, sumSquares } from './vec';

/**
 * x: [rows, n], w: [n] or 0 (no gain) → y: [rows, n], rstd: [rows] (r per row, for backward).
 * y may be x (in place).
 */
export function rmsnorm_fwd(x: usize, w: usize, y: usize, rstd: usize, rows: i32, n: i32, eps: f32): void {
  checkNorm(x, w, y, rstd, rows, n);
  const rowBytes = <usize>n << 2;
  for (let row = 0; row < rows; row++) {
    const o = <usize>row * rowBytes;
    const r = <f32>1 / Mathf.sqrt(sumSquares(x + o, n) / <f32>n + eps);
    store<f32>(rstd + (<usize>row << 2), r);
    if (w != 0) mulScaledTo(y + o, x + o, w, n, r);
    else scaleTo(y + o, x + o, n, r);
  }
}

/**
 * dy: [rows, n], x: [rows, n], w: [n] or 0, rstd: [rows] (from rmsnorm_fwd) → dx: [rows, n];
 * dw: [n] += Σ_rows dy⊙x·r (accumulated: the host zeroes it; ignored when w is 0).
 * dx may be dy (in place). With a = w⊙dy:
 *   dx = r·a − (r³/n)·x·Σ(a⊙x)
 * (∂r/∂x_j = −r³x_j/n; the derivation is in src/ref/ops/rmsnorm.ts.)
 */
export function rmsnorm_bwd(dy: usize, x: usize, w: usize, rstd: usize, dx: usize, dw: usize, rows: i32, n: i32): void {
  checkNorm(x, w, dy, rstd, rows, n);
  assertRange(dx, <u64>rows * n * 4, 'rmsnorm_bwd: dx outside memory');
  if (w != 0) assertRange(dw, <u64>n * 4, 'rmsnorm_bwd: dw outside memory');
  const rowBytes = <usize>n << 2;
  for (let row = 0; row < rows; row++) {
    const o = <usize>row * rowBytes;
    const r = load<f32>(rstd + (<usize>row << 2));
    let a = dy + o;
    if (w != 0) {
      // dw first: when dx is dy, the next line overwrites dy with a = w⊙dy.
      addScaledProductTo(dw, dy + o, x + o, n, r);
      mulScaledTo(dx + o, w, dy + o, n, 1);
      a = dx + o;
    }
    const c = r * r * r / <f32>n * dot(a, x + o, n);
    combineTo(dx + o, a, x + o, n, r, -c);
  }
}

// Debug-build guard (free in release, see checks.ts). t is y (forward) or dy (backward).
function checkNorm(x: usize, w: usize, t: usize, rstd: usize, rows: i32, n: i32): void {
  assert(rows >= 0 && n >= 1, 'rmsnorm: need rows >= 0 and n >= 1');
  assertRange(x, <u64>rows * n * 4, 'rmsnorm: x outside memory');
  assertRange(t, <u64>rows * n * 4, 'rmsnorm: y/dy outside memory');
  assertRange(rstd, <u64>rows * 4, 'rmsnorm: rstd outside memory');
  if (w != 0) assertRange(w, <u64>n * 4, 'rmsnorm: w outside memory');
}
