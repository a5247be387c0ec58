/**
 * The logistic function for DIFF V2's per-token λ, forward and backward:
 *   y = σ(x) = 1 / (1 + e^−x),   dx = dy ⊙ σ(x)(1 − σ(x)) = dy ⊙ y ⊙ σ(−x)
 * Both σ(x) and σ(−x) = 1 − σ(x) come from e^−|x| (vmath.ts), so nothing overflows and 1 − σ keeps
 * its relative precision for large x. Elementwise, no reductions.
 */
import { assertRange } from './checks';
import { loadLanes, storeLanes } from './vec';
import { expNegAbs4, sigmoidFromExp4 } from './vmath';

/** x: [n] → y: [n]. y may be x. */
export function sigmoid_fwd(x: usize, y: usize, n: i32): void {
  check(x, n);
  check(y, n);
  const body = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < body; o += 16) fwd4(x + o, y + o, 4);
  for (let o = body; o < <usize>n << 2; o += 4) fwd4(x + o, y + o, 1);
}

/** dy, x: [n] → dx: [n]. dx may be dy or x. */
export function sigmoid_bwd(dy: usize, x: usize, dx: usize, n: i32): void {
  check(dy, n);
  check(x, n);
  check(dx, n);
  const body = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < body; o += 16) bwd4(dy + o, x + o, dx + o, 4);
  for (let o = body; o < <usize>n << 2; o += 4) bwd4(dy + o, x + o, dx + o, 1);
}

@inline
function fwd4(x: usize, y: usize, lanes: i32): void {
  const v = loadLanes(x, lanes);
  storeLanes(y, sigmoidFromExp4(v, expNegAbs4(v)), lanes);
}

@inline
function bwd4(dy: usize, x: usize, dx: usize, lanes: i32): void {
  const v = loadLanes(x, lanes);
  const e = expNegAbs4(v);
  const slope = f32x4.mul(sigmoidFromExp4(v, e), sigmoidFromExp4(f32x4.neg(v), e));
  storeLanes(dx, f32x4.mul(loadLanes(dy, lanes), slope), lanes);
}

// Debug-build guard (free in release, see checks.ts).
function check(p: usize, n: i32): void {
  assert(n >= 0, 'sigmoid: n must be >= 0');
  assertRange(p, <u64>n * 4, 'sigmoid: operand outside memory');
}
