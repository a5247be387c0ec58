/**
 * Single-token decode against the KV cache, for DIFF V1, DIFF V2 and the baseline: each batch row
 * appends its new token's k, v at position `pos` and attends over positions 0 … pos. The math is
 * the prefill's last row (same maps, coefficients, value groups and epilogue), organised for one
 * query row: the keys go in the vector lanes instead of the query rows, since a single row would
 * fill one lane of eight in the prefill tiles. Decode reads the whole cache once per token, so it
 * is bound by memory bandwidth, not arithmetic.
 *
 * Scratch: qs M·H × [d4], scores M·H × [tp] (the weighted maps in place), o H × [dv4]
 * (tp = maxT rounded up to 4).
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
  return (Q * round4(desc.d) + Q * round4(maxT) + desc.H * round4(desc.dv)) * 4;
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
 * All output heads of batch row b over the cached positions u < tv. The cache is token-major, so
 * each pass walks it row by row for every head at once (four rows per step): the scores of all
 * query heads in one pass over the k rows, the softmaxes and weighted maps in scratch, then all
 * heads' P·V in one pass over the v rows. Reading whole rows in order keeps the reads sequential
 * (a head's slice alone is a strided walk, one short run per row).
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
  // Scores: s_h[u] for every query head h, one pass over the k rows.
  const kb = kCache + <usize>(b * maxT) * ldk;
  for (let u0 = 0; u0 < tv; u0 += 4) {
    const k0 = kb + <usize>u0 * ldk;
    const k1 = kb + <usize>min(u0 + 1, tv - 1) * ldk;
    const k2 = kb + <usize>min(u0 + 2, tv - 1) * ldk;
    const k3 = kb + <usize>min(u0 + 3, tv - 1) * ldk;
    const so = <usize>u0 << 2;
    for (let h = 0; h < Q; h++) {
      const kOff = <usize>(keyHead(desc, h) * d) << 2;
      const qm = qs + (<usize>(h * d4) << 2);
      v128.store(scores + <usize>h * tp + so, score4(qm, k0 + kOff, k1 + kOff, k2 + kOff, k3 + kOff, d));
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
  const t4 = tv & ~3;
  for (let u0 = 0; u0 < tv; u0 += 4) {
    const r0 = vb + <usize>u0 * ldv;
    const so = <usize>u0 << 2;
    for (let i = 0; i < H; i++) {
      const oi = o + <usize>i * ov;
      const terms = M == 1 || sharedValues(desc, i) ? 1 : M;
      for (let m = 0; m < terms; m++) {
        const pu = scores + <usize>(M * i + m) * tp + so;
        const r = r0 + (<usize>(valueHead(desc, M * i + m) * dv) << 2);
        if (u0 < t4) value4(pu, r, ldv, dv, oi);
        else for (let u = u0; u < tv; u++) value1(pu + (<usize>(u - u0) << 2), r + <usize>(u - u0) * ldv, dv, oi);
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
 * Base-2 scores of one (pre-scaled) query against four keys: four lane-wise dot products over the
 * channels, then a transposing reduction gives the four scores in one vector.
 * qs: [d4] (zero past d), k0 … k3: [d] → [s0, s1, s2, s3]
 */
@inline
function score4(qs: usize, k0: usize, k1: usize, k2: usize, k3: usize, d: i32): v128 {
  const body = <usize>(d & ~3) << 2;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let c: usize = 0; c < body; c += 16) {
    const x = v128.load(qs + c);
    a0 = madd(x, v128.load(k0 + c), a0);
    a1 = madd(x, v128.load(k1 + c), a1);
    a2 = madd(x, v128.load(k2 + c), a2);
    a3 = madd(x, v128.load(k3 + c), a3);
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
  return r;
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
 * o += Σ_{j<4} p[j] · row_j over dv channels (rows j at byte stride ldv), in the order j = 0 … 3,
 * so o's load and store are shared by four positions.
 * p: [4], row0: [dv] → o: [dv]
 */
@inline
function value4(p: usize, row0: usize, ldv: usize, dv: i32, o: usize): void {
  const body = <usize>(dv & ~3) << 2;
  const all = <usize>dv << 2;
  const r1 = row0 + ldv, r2 = r1 + ldv, r3 = r2 + ldv;
  const pv = v128.load(p);
  const x0 = v128.shuffle<f32>(pv, pv, 0, 0, 0, 0);
  const x1 = v128.shuffle<f32>(pv, pv, 1, 1, 1, 1);
  const x2 = v128.shuffle<f32>(pv, pv, 2, 2, 2, 2);
  const x3 = v128.shuffle<f32>(pv, pv, 3, 3, 3, 3);
  for (let c: usize = 0; c < body; c += 16) {
    let a = v128.load(o + c);
    a = madd(x0, v128.load(row0 + c), a);
    a = madd(x1, v128.load(r1 + c), a);
    a = madd(x2, v128.load(r2 + c), a);
    a = madd(x3, v128.load(r3 + c), a);
    v128.store(o + c, a);
  }
  for (let c = body; c < all; c += 4) {
    let a = load<f32>(o + c);
    a += load<f32>(p) * load<f32>(row0 + c);
    a += load<f32>(p, 4) * load<f32>(r1 + c);
    a += load<f32>(p, 8) * load<f32>(r2 + c);
    a += load<f32>(p, 12) * load<f32>(r3 + c);
    store<f32>(o + c, a);
  }
}

// o += p[0] · row over dv channels. p: [1], row: [dv] → o: [dv]
function value1(p: usize, row: usize, dv: i32, o: usize): void {
  const body = <usize>(dv & ~3) << 2;
  const all = <usize>dv << 2;
  const pu = load<f32>(p);
  const x = f32x4.splat(pu);
  for (let c: usize = 0; c < body; c += 16) v128.store(o + c, madd(x, v128.load(row + c), v128.load(o + c)));
  for (let c = body; c < all; c += 4) store<f32>(o + c, load<f32>(o + c) + pu * load<f32>(row + c));
}

@inline
function round4(x: i32): i32 {
  return (x + 3) & ~3;
}
