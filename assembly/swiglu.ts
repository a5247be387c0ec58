/**
 * The SwiGLU gate, forward and backward (the two projections around it are GEMMs):
 *   h = silu(g) ⊙ u,   silu(g) = g·σ(g)
 * Backward, with silu'(g) = σ(g)·(1 + g·(1 − σ(g))) (src/ref/ops/silu.ts):
 *   dg = dh ⊙ u ⊙ silu'(g),   du = dh ⊙ silu(g)
 * σ and 1 − σ come from e^−|g| (vmath.ts), so nothing overflows for any finite g: silu(g) → g for
 * large g and → −0 for very negative g, and 1 − σ keeps its relative precision for large g.
 * Elementwise, no reductions: each output is a few ulp from the exact value.
 */
import { assertRange } from './checks';
import { loadLanes, storeLanes } from './vec';
import { expNegAbs4, sigmoidFromExp4 } from './vmath';

/**
 * gate, up: [n] → h: [n] (n = B·T·hidden). h may be gate or up.
 */
export function swiglu_fwd(gate: usize, up: usize, h: usize, n: i32): void {
  checkSwiglu(gate, up, h, n);
  const body = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < body; o += 16) fwd4(gate + o, up + o, h + o, 4);
  for (let o = body; o < <usize>n << 2; o += 4) fwd4(gate + o, up + o, h + o, 1);
}

/**
 * dh, gate, up: [n] → dgate, dup: [n]. Each output may be one of the inputs (every element is
 * read before it is written), but dgate and dup must be different buffers.
 */
export function swiglu_bwd(dh: usize, gate: usize, up: usize, dgate: usize, dup: usize, n: i32): void {
  checkSwiglu(gate, up, dh, n);
  assertRange(dgate, <u64>n * 4, 'swiglu_bwd: dgate outside memory');
  assertRange(dup, <u64>n * 4, 'swiglu_bwd: dup outside memory');
  const body = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < body; o += 16) bwd4(dh + o, gate + o, up + o, dgate + o, dup + o, 4);
  for (let o = body; o < <usize>n << 2; o += 4) bwd4(dh + o, gate + o, up + o, dgate + o, dup + o, 1);
}

// h = silu(g)·u for four elements (lanes = 4) or one (lanes = 1, see loadLanes in vec.ts).
@inline
function fwd4(gate: usize, up: usize, h: usize, lanes: i32): void {
  const g = loadLanes(gate, lanes);
  storeLanes(h, f32x4.mul(f32x4.mul(g, sigmoidFromExp4(g, expNegAbs4(g))), loadLanes(up, lanes)), lanes);
}

// dg = dh·u·silu'(g), du = dh·silu(g) for four elements (lanes = 4) or one (lanes = 1).
@inline
function bwd4(dh: usize, gate: usize, up: usize, dgate: usize, dup: usize, lanes: i32): void {
  const d = loadLanes(dh, lanes);
  const g = loadLanes(gate, lanes);
  const u = loadLanes(up, lanes);
  const e = expNegAbs4(g);
  const sig = sigmoidFromExp4(g, e);
  const comp = sigmoidFromExp4(f32x4.neg(g), e); // 1 − σ(g)
  const dsilu = f32x4.mul(sig, f32x4.add(f32x4.splat(1), f32x4.mul(g, comp)));
  storeLanes(dgate, f32x4.mul(f32x4.mul(d, u), dsilu), lanes);
  storeLanes(dup, f32x4.mul(d, f32x4.mul(g, sig)), lanes);
}

// Debug-build guard (free in release, see checks.ts). t is h (forward) or dh (backward).
function checkSwiglu(gate: usize, up: usize, t: usize, n: i32): void {
  assert(n >= 0, 'swiglu: n must be >= 0');
  assertRange(gate, <u64>n * 4, 'swiglu: gate outside memory');
  assertRange(up, <u64>n * 4, 'swiglu: up outside memory');
  assertRange(t, <u64>n * 4, 'swiglu: h/dh outside memory');
}
