/**
 * C (+)= A·Bᵀ for a few rows of A: the products of token-by-token decoding, where A is one
 * activation row per sequence and B a weight matrix [out, in] read once per token.
 *
 * The packed GEMM (gemm.ts) copies every B panel before using it, which pays off when many rows of
 * A reuse the panel; with M ≤ GEMV_MAX_ROWS rows there is no reuse to buy, and packing would read,
 * write and re-read B, so decoding would move three times the weight bytes it needs. Here each row
 * of B is a contiguous dot-product operand: it streams from memory once and stays in L1 while the
 * (at most four) rows of A use it.
 *
 * Error: each output is a dot product of length K in some order, within γ_K·Σ|aᵢ||bᵢ| like every
 * GEMM element (test/engine/tolerance.ts); accumulating adds the old C as one more term.
 */
import { madd } from './madd';

/** Largest M for which `gemm_nt` takes this path instead of packing. */
export const GEMV_MAX_ROWS: i32 = 4;

/** A: [M, K], B: [N, K] → C: [M, N] (+)= A·Bᵀ, for M ≤ GEMV_MAX_ROWS. */
export function gemvNT(a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: bool): void {
  const rowBytes = <usize>K << 2;
  for (let n = 0; n < N; n++) {
    const bn = b + <usize>n * rowBytes;
    for (let m = 0; m < M; m++) {
      const cp = c + ((<usize>m * N + n) << 2);
      const s = dot(a + <usize>m * rowBytes, bn, K);
      store<f32>(cp, accumulate ? load<f32>(cp) + s : s);
    }
  }
}

// Σ x[k]·y[k] over K floats: two vector accumulators so consecutive multiply-adds do not wait on
// each other, then a scalar tail.
@inline
function dot(x: usize, y: usize, K: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  const end8 = <usize>(K & ~7) << 2;
  const end4 = <usize>(K & ~3) << 2;
  let o: usize = 0;
  for (; o < end8; o += 32) {
    s0 = madd(v128.load(x + o), v128.load(y + o), s0);
    s1 = madd(v128.load(x + o + 16), v128.load(y + o + 16), s1);
  }
  if (o < end4) {
    s0 = madd(v128.load(x + o), v128.load(y + o), s0);
    o += 16;
  }
  const v = f32x4.add(s0, s1);
  let s = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  for (; o < <usize>K << 2; o += 4) s += load<f32>(x + o) * load<f32>(y + o);
  return s;
}
