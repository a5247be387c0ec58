/**
 * Cross-entropy of logits against integer targets, loss and gradient in one pass over each row:
 *   loss_p = lse(z_p) − z_p[y_p],   lse(z) = m + log Σ_v e^(z_v − m),   m = max z
 *   dz_p   = (softmax(z_p) − onehot(y_p)) · gradScale
 * Rows whose target is ignoreIndex get loss 0 and a zero gradient row, and are not counted; the
 * host divides the summed loss by the count and passes gradScale = 1/count (times any loss
 * scale), as PyTorch's mean reduction does.
 *
 * Σ e^(z_v − m) is accumulated in f64 (f64x2 lanes). Its terms are positive, so an f32 sum would
 * lose up to about (V/4)·ε relative — 8e-4 at a 50k vocabulary — and that error lands in the loss
 * and in every probability (each is divided by the sum). In f64 the sum is exact to ~V·2⁻⁵³ and
 * each probability keeps the few-ulp accuracy of one e^x, whatever V is.
 */
import { assertRange } from './checks';
import { exp4 } from './vmath';
import { maxOf, scaleTo } from './vec';

/**
 * logits: [N, V], targets: i32 [N] (each in [0, V) or == ignoreIndex, host-checked)
 * → losses: [N], dlogits: [N, V]; returns the number of counted (not ignored) rows.
 * dlogits may be logits (in place: saves a [B·T, V] buffer).
 */
export function xent_fwd_bwd(logits: usize, targets: usize, losses: usize, dlogits: usize, N: i32, V: i32,
  gradScale: f32, ignoreIndex: i32): i32 {
  assert(N >= 0 && V >= 1, 'xent: need N >= 0 and V >= 1');
  assertRange(logits, <u64>N * V * 4, 'xent: logits outside memory');
  assertRange(dlogits, <u64>N * V * 4, 'xent: dlogits outside memory');
  assertRange(targets, <u64>N * 4, 'xent: targets outside memory');
  assertRange(losses, <u64>N * 4, 'xent: losses outside memory');
  const rowBytes = <usize>V << 2;
  let count = 0;
  for (let p = 0; p < N; p++) {
    const z = logits + <usize>p * rowBytes;
    const d = dlogits + <usize>p * rowBytes;
    const target = load<i32>(targets + (<usize>p << 2));
    if (target == ignoreIndex) {
      store<f32>(losses + (<usize>p << 2), 0);
      memory.fill(d, 0, rowBytes);
      continue;
    }
    assert(target >= 0 && target < V, 'xent: target outside [0, V)');
    const m = maxOf(z, V);
    const zt = load<f32>(z + (<usize>target << 2)); // read before d overwrites z when they alias
    const s = expShiftedTo(d, z, V, m);
    store<f32>(losses + (<usize>p << 2), <f32>(<f64>m - <f64>zt + Math.log(s)));
    scaleTo(d, d, V, <f32>(<f64>gradScale / s));
    const dt = d + (<usize>target << 2);
    store<f32>(dt, load<f32>(dt) - gradScale);
    count++;
  }
  return count;
}

// dst = e^(z − m), returning Σ dst in f64. dst may be z. z: [n] → dst: [n]
function expShiftedTo(dst: usize, z: usize, n: i32, m: f32): f64 {
  const body = <usize>(n & ~3) << 2;
  const mv = f32x4.splat(m);
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  for (let o: usize = 0; o < body; o += 16) {
    const e = exp4(f32x4.sub(v128.load(z + o), mv));
    v128.store(dst + o, e);
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(e));
    acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 2, 3)));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (let o = body; o < <usize>n << 2; o += 4) {
    const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(z + o) - m)), 0);
    store<f32>(dst + o, e);
    s += <f64>e;
  }
  return s;
}
