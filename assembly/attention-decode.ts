/**
 * Single-token decode against the KV cache, for DIFF V1, DIFF V2 and the baseline: each batch row
 * appends its new token's k, v at position `pos` and attends over positions 0 … pos. The math is
 * the prefill's last row (same maps, coefficients, value groups and epilogue), organised for one
 * query row: the keys go in the vector lanes instead of the query rows, since a single row would
 * fill one lane of eight in the prefill tiles. Decode reads the whole cache once per token, so it
 * is bound by memory bandwidth, not arithmetic.
 *
 * Scratch: qs M × [d4], scores M × [tp], p [tp], o [dv4] (tp = maxT rounded up to 4).
 */
import { AttnDesc, DIFF_V1, DIFF_V2, keyHead, mapsOf, queryHeadsOf, sharedValues, valueHead } from './attention-desc';
import { assertAttention } from './attention-checks';
import { attention_cache_write } from './attention-cache';
import { finishRow } from './attention-epilogue';
import { LOG2E, exp2x4 } from './attention-softmax';
import { assertRange } from './checks';

/** Scratch bytes `attention_decode` needs for a cache of maxT positions. */
export function attention_decode_scratch_bytes(descPtr: usize, maxT: i32): i32 {
  const desc = changetype<AttnDesc>(descPtr);
  const M = mapsOf(desc);
  return (M * round4(desc.d) + (M + 1) * round4(maxT) + round4(desc.dv)) * 4;
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
  for (let b = 0; b < desc.B; b++) {
    for (let i = 0; i < desc.H; i++) decodeHead(desc, q, kCache, vCache, maxT, pos + 1, out, scratch, b, i);
  }
}

// Output head i of batch row b over the cached positions u < tv.
function decodeHead(desc: AttnDesc, q: usize, kCache: usize, vCache: usize, maxT: i32, tv: i32, out: usize,
  scratch: usize, b: i32, i: i32): void {
  const M = mapsOf(desc);
  const d = desc.d;
  const dv = desc.dv;
  const tp = round4(maxT);
  const ldk = <usize>(desc.Hk * d) << 2;
  const ldv = <usize>(desc.Hv * dv) << 2;
  const qs = scratch;
  const scores = qs + (<usize>(M * round4(d)) << 2);
  const p = scores + (<usize>(M * tp) << 2);
  const o = p + (<usize>tp << 2);
  const scale = LOG2E / Mathf.sqrt(<f32>d);
  let w0: f32 = 1;
  let w1: f32 = 0;
  for (let m = 0; m < M; m++) {
    const h = M * i + m;
    const qm = qs + (<usize>(m * round4(d)) << 2);
    const sm = scores + (<usize>(m * tp) << 2);
    const qRow = q + (<usize>((b * queryHeadsOf(desc) + h) * d) << 2);
    for (let c = 0; c < round4(d); c++) store<f32>(qm + (<usize>c << 2), c < d ? load<f32>(qRow + (<usize>c << 2)) * scale : 0);
    scoreRow(qm, kCache + <usize>(b * maxT) * ldk + (<usize>(keyHead(desc, h) * d) << 2), ldk, d, tv, sm);
    const l = softmaxRow(sm, tv);
    if (m == 0) w0 = 1 / l;
    else w1 = coefficient1(desc, b, i) / l;
  }
  const vBase = vCache + <usize>(b * maxT) * ldv;
  if (M == 1 || sharedValues(desc, i)) {
    weightedRow(p, scores, w0, M == 2 ? scores + (<usize>tp << 2) : 0, w1, tv);
    valueRow(p, vBase + (<usize>(valueHead(desc, M * i) * dv) << 2), ldv, dv, tv, o, false);
  } else {
    for (let m = 0; m < M; m++) {
      weightedRow(p, scores + (<usize>(m * tp) << 2), m == 0 ? w0 : w1, 0, 0, tv);
      valueRow(p, vBase + (<usize>(valueHead(desc, M * i + m) * dv) << 2), ldv, dv, tv, o, m > 0);
    }
  }
  finishRow(desc, o, 4, out + (<usize>((b * desc.H + i) * dv) << 2));
}

// c_1 of the second map: −λ (V1) or −σ[b, i] (V2).
function coefficient1(desc: AttnDesc, b: i32, i: i32): f32 {
  if (desc.kind == DIFF_V1) return -desc.lambda;
  assert(desc.kind == DIFF_V2, 'attention_decode: the baseline has one map');
  return -load<f32>(desc.sigma + (<usize>(b * desc.H + i) << 2));
}

/**
 * Base-2 scores of one (pre-scaled) query against keys u < tv, four keys per step: four lane-wise
 * dot products over the channels, then a transposing reduction gives the four scores in one
 * vector. Keys past tv re-read key tv − 1 (their scores are masked later).
 * qs: [d4] (zero past d), keys: [tv rows, d] (row stride ldk) → s: [tv4]
 */
function scoreRow(qs: usize, keys: usize, ldk: usize, d: i32, tv: i32, s: usize): void {
  const body = <usize>(d & ~3) << 2;
  for (let u0 = 0; u0 < tv; u0 += 4) {
    const k0 = keys + <usize>u0 * ldk;
    const k1 = keys + <usize>min(u0 + 1, tv - 1) * ldk;
    const k2 = keys + <usize>min(u0 + 2, tv - 1) * ldk;
    const k3 = keys + <usize>min(u0 + 3, tv - 1) * ldk;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let c: usize = 0; c < body; c += 16) {
      const x = v128.load(qs + c);
      a0 = f32x4.add(a0, f32x4.mul(x, v128.load(k0 + c)));
      a1 = f32x4.add(a1, f32x4.mul(x, v128.load(k1 + c)));
      a2 = f32x4.add(a2, f32x4.mul(x, v128.load(k2 + c)));
      a3 = f32x4.add(a3, f32x4.mul(x, v128.load(k3 + c)));
    }
    // [Σa0, Σa1, Σa2, Σa3] by two rounds of interleave-and-add.
    const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
    const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
    let r = f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
    if (body < (<usize>d << 2)) {
      r = f32x4.replace_lane(r, 0, f32x4.extract_lane(r, 0) + dotTail(qs, k0, body, d));
      r = f32x4.replace_lane(r, 1, f32x4.extract_lane(r, 1) + dotTail(qs, k1, body, d));
      r = f32x4.replace_lane(r, 2, f32x4.extract_lane(r, 2) + dotTail(qs, k2, body, d));
      r = f32x4.replace_lane(r, 3, f32x4.extract_lane(r, 3) + dotTail(qs, k3, body, d));
    }
    v128.store(s + (<usize>u0 << 2), r);
  }
}

// Σ_{c ≥ body/4} qs[c]·key[c] for the last d mod 4 channels.
function dotTail(qs: usize, key: usize, body: usize, d: i32): f32 {
  let t: f32 = 0;
  for (let c = body; c < (<usize>d << 2); c += 4) t += load<f32>(qs + c) * load<f32>(key + c);
  return t;
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

/**
 * o (+)= Σ_{u<tv} p[u] · values[u] over dv channels (vector body, scalar tail).
 * p: [tv], values: [tv rows, dv] (row stride ldv) → o: [dv4]
 */
function valueRow(p: usize, values: usize, ldv: usize, dv: i32, tv: i32, o: usize, add: bool): void {
  const body = <usize>(dv & ~3) << 2;
  const all = <usize>dv << 2;
  if (!add) memory.fill(o, 0, all);
  for (let u = 0; u < tv; u++) {
    const row = values + <usize>u * ldv;
    const pu = load<f32>(p + (<usize>u << 2));
    const x = f32x4.splat(pu);
    for (let c: usize = 0; c < body; c += 16) v128.store(o + c, f32x4.add(v128.load(o + c), f32x4.mul(x, v128.load(row + c))));
    for (let c = body; c < all; c += 4) store<f32>(o + c, load<f32>(o + c) + pu * load<f32>(row + c));
  }
}

@inline
function round4(x: i32): i32 {
  return (x + 3) & ~3;
}
