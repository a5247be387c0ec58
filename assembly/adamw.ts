/**
 * The optimizer: one AdamW step over a flat parameter buffer, and the sum of squares that global
 * gradient-norm clipping needs (the clipping itself is `scale_inplace`, elementwise.ts).
 *
 * AdamW as PyTorch's torch.optim.AdamW with its defaults (amsgrad = False, maximize = False), for
 * step t ≥ 1, in the same order of operations as its single-tensor path:
 *   p ← p · (1 − lr·wd)                                   decoupled weight decay
 *   m ← m + (1 − β1)·(g − m)                              (exp_avg.lerp_(g, 1 − β1); the form
 *                                                          lerp uses for weights < ½, i.e. β1 > ½)
 *   v ← β2·v + (1 − β2)·g²                                (exp_avg_sq.mul_(β2).addcmul_(g, g, 1 − β2))
 *   p ← p − (lr / bias1) · m / (√v / √bias2 + eps)        bias1 = 1 − β1^t, bias2 = 1 − β2^t
 * The host passes bias1 and bias2 (it knows t); the scalar factors are formed once in f64 and
 * rounded to f32, as PyTorch rounds its Python-float scalars when it applies them to f32 tensors.
 */
import { assertRange } from './checks';
import { loadLanes, storeLanes } from './vec';

/**
 * p, g, m, v: [n] → p, m, v updated in place (g is read only). lr ≥ 0, betas in [0, 1),
 * eps > 0, weightDecay ≥ 0, bias1 and bias2 in (0, 1] (host-checked).
 */
export function adamw_step(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64,
  eps: f64, weightDecay: f64, bias1: f64, bias2: f64): void {
  assert(n >= 0, 'adamw: n must be >= 0');
  assertRange(p, <u64>n * 4, 'adamw: p outside memory');
  assertRange(g, <u64>n * 4, 'adamw: g outside memory');
  assertRange(m, <u64>n * 4, 'adamw: m outside memory');
  assertRange(v, <u64>n * 4, 'adamw: v outside memory');
  const decay = f32x4.splat(<f32>(1 - lr * weightDecay));
  const c1 = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2);
  const c2 = f32x4.splat(<f32>(1 - beta2));
  const step = f32x4.splat(<f32>(lr / bias1));
  const sqrtBias2 = f32x4.splat(<f32>Math.sqrt(bias2));
  const epsv = f32x4.splat(<f32>eps);
  const body = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < body; o += 16) {
    step4(p + o, g + o, m + o, v + o, 4, decay, c1, b2, c2, step, sqrtBias2, epsv);
  }
  for (let o = body; o < <usize>n << 2; o += 4) {
    step4(p + o, g + o, m + o, v + o, 1, decay, c1, b2, c2, step, sqrtBias2, epsv);
  }
}

// One AdamW update of four elements (lanes = 4) or of one (lanes = 1, see loadLanes).
@inline
function step4(p: usize, g: usize, m: usize, v: usize, lanes: i32, decay: v128, c1: v128, b2: v128, c2: v128,
  step: v128, sqrtBias2: v128, eps: v128): void {
  const gv = loadLanes(g, lanes);
  const m0 = loadLanes(m, lanes);
  const mv = f32x4.add(m0, f32x4.mul(c1, f32x4.sub(gv, m0)));
  const vv = f32x4.add(f32x4.mul(loadLanes(v, lanes), b2), f32x4.mul(c2, f32x4.mul(gv, gv)));
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), sqrtBias2), eps);
  const pv = f32x4.sub(f32x4.mul(loadLanes(p, lanes), decay), f32x4.mul(step, f32x4.div(mv, denom)));
  storeLanes(p, pv, lanes);
  storeLanes(m, mv, lanes);
  storeLanes(v, vv, lanes);
}

/**
 * Σ x² in f64. x: [n] → scalar. f64 because the global gradient norm sums millions of squares
 * (every parameter of the model): in f32 lanes the relative error could reach n/4·ε (≈ 0.2 at
 * 3M parameters, worst case); each f32 square is exact in f64, so only the f64 additions round.
 */
export function sumsq(x: usize, n: i32): f64 {
  assert(n >= 0, 'sumsq: n must be >= 0');
  assertRange(x, <u64>n * 4, 'sumsq: x outside memory');
  const body = <usize>(n & ~3) << 2;
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  for (let o: usize = 0; o < body; o += 16) {
    const v = v128.load(x + o);
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (let o = body; o < <usize>n << 2; o += 4) {
    const e = <f64>load<f32>(x + o);
    s += e * e;
  }
  return s;
}
