/**
 * Single-token decode against the KV cache, for DIFF V1, DIFF V2 and the baseline: each batch row
 * appends its new token's k, v at position `pos` and attends over positions 0 … pos. The math is
 * the prefill's last row (same maps, coefficients, value groups and epilogue), organised for one
 * query row: the keys go in the vector lanes instead of the query rows, since a single row would
 * fill one lane of eight in the prefill tiles. Decode reads the whole cache once per token, so it
 * is bound by memory bandwidth, not arithmetic.
 *
 * Scratch: qs M·H × [d4], scores M·H × [tp] (the weighted maps in place), o H × [dv4],
 * partial dot products M·H × 4 × [4] (tp = maxT rounded up to 4).
 */
import { AttnDesc, DIFF_V1, DIFF_V2, keyHead, mapsOf, queryHeadsOf, sharedValues, valueHead } from './attention-desc';
import { assertAttention } from './attention-checks';
import { attention_cache_write } from './attention-cache';
import { finishRow } from './attention-epilogue';
import { LOG2E } from './attention-softmax';
import { assertRange } from './checks';
import { madd } from './madd';
import { exp2x4 } from './vmath';

/** Scratch bytes `attention_decode` needs for a cache of maxT positions. */
export function attention_decode_scratch_bytes(descPtr: usize, maxT: i32): i32 {
  const desc = changetype<AttnDesc>(descPtr);
  const Q = queryHeadsOf(desc);
  return (Q * round4(desc.d) + Q * round4(maxT) + desc.H * round4(desc.dv) + Q * 16) * 4;
}

/**
 * One decode step (desc.T must be 1).
 * q: [B, M·H·d], kNew: [B, Hk·d], vNew: [B, Hv·dv] → kCache: [B, maxT, Hk·d], vCache: [B, maxT, Hv·dv]
 * (row pos written), out: [B, H·dv]. V2's σ comes from desc.sigma as [B, H].
 */
export function attention_decode(descPtr: usize, q: usize, kNew: usize, vNew: usize, kCache: usize, vCache: usize,
  maxT: i32, pos: i32, out: usize, scratch: usize): void {
  const desc = changetype<AttnDesc>(descPtr);
  assert(desc.T == 1, 'attention_decode: descriptor T must be 1');
  assertAttention(desc, q, kNew, vNew, out, 1, scratch, attention_decode_scratch_bytes(descPtr, maxT));
  attention_cache_write(descPtr, kNew, vNew, kCache, vCache, maxT, pos, 1);
  assertRange(kCache, <u64>desc.B * maxT * desc.Hk * desc.d * 4, 'attention_decode: kCache outside memory');
  for (let b = 0; b < desc.B; b++) decodeRow(desc, q, kCache, vCache, maxT, pos + 1, out, scratch, b);
}

/**
 * All output heads of batch row b over the cached positions u < tv. The cache is token-major, and
 * both passes read it strictly in memory order, one whole row (every head) after the other: the
 * scores of all query heads in one pass over the k rows, the softmaxes and weighted maps in
 * scratch, then all heads' P·V in one pass over the v rows. Decode reads the cache from DRAM
 * (a token's weights evict it), and there the order matters more than the instruction count:
 * interleaving four rows 2 KiB apart (four keys per dot-product step, four values per
 * accumulator load) read 2–2.5× slower than one sequential stream (measured on 96 MiB of rows),
 * though it does fewer loads and stores per byte once the rows are in cache.
 */
function decodeRow(desc: AttnDesc, q: usize, kCache: usize, vCache: usize, maxT: i32, tv: i32, out: usize,
  scratch: usize, b: i32): void {
  const M = mapsOf(desc);
  const H = desc.H;
  const Q = M * H;
  const d = desc.d;
  const dv = desc.dv;
  const d4 = round4(d);
  const tp = <usize>round4(maxT) << 2;
  const ldk = <usize>(desc.Hk * d) << 2;
  const ldv = <usize>(desc.Hv * dv) << 2;
  const qs = scratch;
  const scores = qs + (<usize>(Q * d4) << 2);
  const o = scores + <usize>Q * tp;
  const ov = <usize>round4(dv) << 2;
  const scale = LOG2E / Mathf.sqrt(<f32>d);
  for (let h = 0; h < Q; h++) {
    const qm = qs + (<usize>(h * d4) << 2);
    const qRow = q + (<usize>((b * Q + h) * d) << 2);
    for (let c = 0; c < d4; c++) store<f32>(qm + (<usize>c << 2), c < d ? load<f32>(qRow + (<usize>c << 2)) * scale : 0);
  }
  // Scores: s_h[u] for every query head h, one pass over the k rows. Each (row, head) leaves a
  // vector of partial sums; every four rows, one transposing reduction per head turns the four
  // vectors into the four scores.
  const kb = kCache + <usize>(b * maxT) * ldk;
  const partial = o + <usize>H * ov;
  for (let u0 = 0; u0 < tv; u0 += 4) {
    for (let j = 0; j < 4; j++) {
      const row = kb + <usize>min(u0 + j, tv - 1) * ldk; // rows past tv repeat the last; masked later
      for (let h = 0; h < Q; h++) {
        const qm = qs + (<usize>(h * d4) << 2);
        v128.store(partial + (<usize>(h * 4 + j) << 4), dotPartial(qm, row + (<usize>(keyHead(desc, h) * d) << 2), d));
      }
    }
    const so = <usize>u0 << 2;
    for (let h = 0; h < Q; h++) {
      const pv = partial + (<usize>(h * 4) << 4);
      v128.store(scores + <usize>h * tp + so, reduce4(v128.load(pv), v128.load(pv, 16), v128.load(pv, 32), v128.load(pv, 48)));
    }
  }
  // Softmaxes, then each map's coefficient folded in place: row Mi holds p_i = w0·e_Mi + w1·e_Mi+1
  // when the maps share a value head, else row Mi + m holds w_m·e_Mi+m.
  for (let i = 0; i < H; i++) {
    const s0 = scores + <usize>(M * i) * tp;
    const w0: f32 = 1 / softmaxRow(s0, tv);
    if (M == 1) {
      weightedRow(s0, s0, w0, 0, 0, tv);
      continue;
    }
    const s1 = s0 + tp;
    const w1 = coefficient1(desc, b, i) / softmaxRow(s1, tv);
    if (sharedValues(desc, i)) weightedRow(s0, s0, w0, s1, w1, tv);
    else {
      weightedRow(s0, s0, w0, 0, 0, tv);
      weightedRow(s1, s1, w1, 0, 0, tv);
    }
  }
  // P·V: o_i += Σ_u p[u]·v_ν[u] for every term, one pass over the v rows.
  memory.fill(o, 0, <usize>H * ov);
  const vb = vCache + <usize>(b * maxT) * ldv;
  for (let u = 0; u < tv; u++) {
    const row = vb + <usize>u * ldv;
    const so = <usize>u << 2;
    for (let i = 0; i < H; i++) {
      const oi = o + <usize>i * ov;
      const terms = M == 1 || sharedValues(desc, i) ? 1 : M;
      for (let m = 0; m < terms; m++) {
        const pu = load<f32>(scores + <usize>(M * i + m) * tp + so);
        axpy(pu, row + (<usize>(valueHead(desc, M * i + m) * dv) << 2), dv, oi);
      }
    }
  }
  for (let i = 0; i < H; i++) finishRow(desc, o + <usize>i * ov, 4, out + (<usize>((b * H + i) * dv) << 2));
}

// c_1 of the second map: −λ (V1) or −σ[b, i] (V2).
function coefficient1(desc: AttnDesc, b: i32, i: i32): f32 {
  if (desc.kind == DIFF_V1) return -desc.lambda;
  assert(desc.kind == DIFF_V2, 'attention_decode: the baseline has one map');
  return -load<f32>(desc.sigma + (<usize>(b * desc.H + i) << 2));
}

/**
 * A vector whose lane sum is the base-2 score q·key of one (pre-scaled) query and key: two
 * accumulators over 8 channels per step, so consecutive multiply-adds do not wait on each other.
 * qs: [d4] (zero past d), key: [d] → [4] partial sums
 */
@inline
function dotPartial(qs: usize, key: usize, d: i32): v128 {
  const body8 = <usize>(d & ~7) << 2;
  const body4 = <usize>(d & ~3) << 2;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let c: usize = 0;
  for (; c < body8; c += 32) {
    a0 = madd(v128.load(qs + c), v128.load(key + c), a0);
    a1 = madd(v128.load(qs + c, 16), v128.load(key + c, 16), a1);
  }
  if (c < body4) {
    a0 = madd(v128.load(qs + c), v128.load(key + c), a0);
    c += 16;
  }
  let r = f32x4.add(a0, a1);
  if (c < (<usize>d << 2)) {
    let t: f32 = 0;
    for (; c < (<usize>d << 2); c += 4) t += load<f32>(qs + c) * load<f32>(key + c);
    r = f32x4.replace_lane(r, 0, f32x4.extract_lane(r, 0) + t);
  }
  return r;
}

/** [Σa0, Σa1, Σa2, Σa3]: the lane sums of four vectors, by two rounds of interleave-and-add. */
@inline
function reduce4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}

/**
 * In place s ← 2^(s − max) over u < tv and 0 on the padding up to tv4; returns Σ.
 * s: [tv4] → s: [tv4]
 */
function softmaxRow(s: usize, tv: i32): f32 {
  const n = (tv + 3) & ~3;
  let m = f32x4.splat(-Infinity);
  for (let u = 0; u < n; u += 4) m = f32x4.max(m, v128.bitselect(v128.load(s + (<usize>u << 2)), f32x4.splat(-Infinity), live(u, tv)));
  const mx = f32x4.splat(max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3))));
  let acc = f32x4.splat(0);
  for (let u = 0; u < n; u += 4) {
    const p = s + (<usize>u << 2);
    const e = v128.and(exp2x4(f32x4.sub(v128.load(p), mx)), live(u, tv));
    v128.store(p, e);
    acc = f32x4.add(acc, e);
  }
  return (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
}

// All-ones in the lanes u0 + l < tv.
@inline
function live(u0: i32, tv: i32): v128 {
  return i32x4.lt_s(i32x4.add(i32x4.splat(u0), i32x4(0, 1, 2, 3)), i32x4.splat(tv));
}

// p = w0·e0 (+ w1·e1 when e1 ≠ 0). e0, e1: [tv4] → p: [tv4]
function weightedRow(p: usize, e0: usize, w0: f32, e1: usize, w1: f32, tv: i32): void {
  const end = <usize>((tv + 3) & ~3) << 2;
  const x0 = f32x4.splat(w0);
  const x1 = f32x4.splat(w1);
  for (let o: usize = 0; o < end; o += 16) {
    let r = f32x4.mul(x0, v128.load(e0 + o));
    if (e1 != 0) r = f32x4.add(r, f32x4.mul(x1, v128.load(e1 + o)));
    v128.store(p + o, r);
  }
}

// o += p · row over dv channels. row: [dv] → o: [dv]
@inline
function axpy(p: f32, row: usize, dv: i32, o: usize): void {
  const body = <usize>(dv & ~3) << 2;
  const all = <usize>dv << 2;
  const x = f32x4.splat(p);
  for (let c: usize = 0; c < body; c += 16) v128.store(o + c, madd(x, v128.load(row + c), v128.load(o + c)));
  for (let c = body; c < all; c += 4) store<f32>(o + c, load<f32>(o + c) + p * load<f32>(row + c));
}

@inline
function round4(x: i32): i32 {
  return (x + 3) & ~3;
}
