/**
 * Flat elementwise kernels the engine strings between the others:
 *   add_fwd        out = a + b     the residual connection (its backward is `accumulate`: the
 *                                  residual gradient flows unchanged into both branches)
 *   accumulate     dst += src      gradient accumulation (residual branches, micro-batches)
 *   scale_inplace  x *= s          DIFF V1's (1 − λinit) output scale and its backward, and
 *                                  gradient clipping (adamw.ts computes the norm)
 * One rounding per element, no reductions.
 */
import { assertRange } from './checks';
import { addTo, scaleTo } from './vec';

/** a, b: [n] → out: [n]. out may be a or b. */
export function add_fwd(a: usize, b: usize, out: usize, n: i32): void {
  checkFlat(a, n);
  checkFlat(b, n);
  checkFlat(out, n);
  addTo(out, a, b, n);
}

/** src: [n] → dst: [n] += src. */
export function accumulate(dst: usize, src: usize, n: i32): void {
  checkFlat(dst, n);
  checkFlat(src, n);
  addTo(dst, dst, src, n);
}

/** x: [n] → x: [n] *= s. */
export function scale_inplace(x: usize, n: i32, s: f32): void {
  checkFlat(x, n);
  scaleTo(x, x, n, s);
}

// Debug-build guard (free in release, see checks.ts).
function checkFlat(p: usize, n: i32): void {
  assert(n >= 0, 'elementwise: n must be >= 0');
  assertRange(p, <u64>n * 4, 'elementwise: operand outside memory');
}
