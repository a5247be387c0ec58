/**
 * The steps of the block loop that the forward and the backward share, for every variant: pack
 * a query block (attention-pack.ts), score it against every visible key, multiply maps by values,
 * accumulate key gradients, and the per-row coefficients c_m that make the variants differ.
 *
 * A block is BR query rows t0 … t0 + nr − 1 of one batch row and one output head; it sees the
 * keys u < tv = t0 + nr. Nothing above the causal diagonal is computed beyond the block's own
 * diagonal tiles, and no T×T matrix exists: the widest buffer is Sᵀ [tv, BR].
 * All strides (ld…) are in bytes; "rows" are token rows of a token-major activation.
 */
import { AttnDesc, DIFF_V1, DIFF_V2, keyHead, mapsOf, queryHeadsOf, sharedValues, valueHead } from './attention-desc';
import { LOG2E, weightedMaps } from './attention-softmax';
import { TJ, TL, addTileEdge, tile } from './attention-tile';
import { packChannels, packPanels, packT } from './attention-pack';
import { BR, Operands, STAT_COEF, Work, keyChannels, keyPanel, stat, valueChannels, valuePanel } from './attention-work';

/** Keys per chunk of a long reduction, so a chunk of Pᵀ [KC, BR] and of V stays in L1. */
const KC: i32 = 128;

/**
 * Scores (or G) of the block's rows against keys u < tv:  Sᵀ[u, r] = Σ_c a[u, c] · bT[c, r], with
 * a in 2-key panels. Tiles whose 16 rows all lie above key u0 (fully masked) are skipped and left
 * unwritten; the softmax passes never read them.
 * panels: [⌈tv/2⌉, n, 2], bT: [n, BR] → sT: [tv4, BR]
 */
export function scoresT(panels: usize, n: i32, tv: i32, t0: i32, bT: usize, sT: usize): void {
  const ld = <usize>BR << 2;
  for (let u0 = 0; u0 < tv; u0 += TJ) {
    const a = panels + (<usize>(u0 * n) << 2);
    for (let r0 = 0; r0 < BR; r0 += TL) {
      if (t0 + r0 + TL - 1 < u0) continue;
      tile(a, TJ * 4, bT + (<usize>r0 << 2), ld, n, sT + (<usize>(u0 * BR + r0) << 2), ld, false);
    }
  }
}

/**
 * Oᵀ (+)= (P·a)ᵀ over keys u < tv:  Oᵀ[c, r] = Σ_u a[u, c] · pT[u, r], with a in 2-channel panels
 * (so a tile streams 8 contiguous bytes per key: with rows of a token-major activation, 2 KiB
 * apart, the keys of a chunk fell into two L1 sets and thrashed). Row tile r0 stops at its last
 * visible key; keys go in chunks of KC so the chunk of Pᵀ stays in L1. Used for P·V (forward) and
 * dS·K (dQ, backward).
 * chans: [⌈n/2⌉, tp, 2], pT: [tv, BR] → oT: [n4, BR]
 */
export function valuesT(chans: usize, tp: i32, n: i32, tv: i32, t0: i32, pT: usize, oT: usize, add: bool): void {
  const ld = <usize>BR << 2;
  for (let k0 = 0; k0 < tv; k0 += KC) {
    for (let c0 = 0; c0 < n; c0 += TJ) {
      const a = chans + (<usize>(c0 * tp + k0 * TJ) << 2);
      for (let r0 = 0; r0 < BR; r0 += TL) {
        const kc = min(min(KC, tv - k0), t0 + r0 + TL - k0);
        if (kc <= 0) continue; // k0 > 0 here: nothing left to add for these rows
        tile(a, TJ * 4, pT + (<usize>(k0 * BR + r0) << 2), ld, kc, oT + (<usize>(c0 * BR + r0) << 2), ld, add || k0 > 0);
      }
    }
  }
}

/**
 * Key gradients: dst[u, c] += Σ_{r<nr} a[r, u] · rows[r, c] for keys u < tv, with a = dS
 * (dK += dSᵀ·Q) or P (dV += Pᵀ·dO) as rows. Key u only receives from rows t ≥ u. Tiles crossing
 * the key or channel edge go through the edge buffer, so nothing past dst's rows or channels is
 * touched.
 * a: [BR, tp] (row stride lda), rows: [BR, nw] (nw = n rounded up to TL) → dst: [tv rows, n] (row
 * stride ldd), accumulated
 */
export function accumulateKeys(a: usize, lda: usize, tv: i32, t0: i32, rows: usize, n: i32, nw: i32, nr: i32,
  dst: usize, ldd: usize, edge: usize): void {
  const ldb = <usize>nw << 2;
  for (let u0 = 0; u0 < tv; u0 += TJ) {
    const r0 = max(0, u0 - t0);
    const au = a + <usize>r0 * lda + (<usize>u0 << 2);
    const jn = min(TJ, tv - u0);
    for (let c0 = 0; c0 < n; c0 += TL) {
      const b = rows + <usize>r0 * ldb + (<usize>c0 << 2);
      const c = dst + <usize>u0 * ldd + (<usize>c0 << 2);
      if (jn == TJ && c0 + TL <= n) {
        tile(au, lda, b, ldb, nr - r0, c, ldd, true);
      } else {
        tile(au, lda, b, ldb, nr - r0, edge, TL * 4, false);
        addTileEdge(edge, c, ldd, jn, min(TL, n - c0));
      }
    }
  }
}

/**
 * Packs what every block of output head i (batch row b) reads: its maps' keys in 2-key panels,
 * its value groups' values in 2-channel panels, and for the backward the keys in 2-channel and
 * the values in 2-key panels. O(T·(d + dv)) per head, against the O(T²·(d + dv)) of its blocks.
 */
export function prepareHead(desc: AttnDesc, w: Work, op: Operands, b: i32, i: i32, backward: bool): void {
  const M = mapsOf(desc);
  const T = desc.T;
  const d = desc.d;
  const dv = desc.dv;
  const tp = (T + 3) & ~3;
  const ldk = <usize>(desc.Hk * d) << 2;
  const ldv = <usize>(desc.Hv * dv) << 2;
  for (let m = 0; m < M; m++) {
    const keys = op.k + <usize>(b * T) * ldk + (<usize>(keyHead(desc, M * i + m) * d) << 2);
    packPanels(keys, ldk, T, d, keyPanel(w, desc, m));
    if (backward) packChannels(keys, ldk, T, tp, d, keyChannels(w, desc, m));
  }
  const groups = valueGroups(desc, i);
  for (let g = 0; g < groups; g++) {
    const values = op.v + <usize>(b * T) * ldv + (<usize>(groupValueHead(desc, i, g, groups) * dv) << 2);
    packChannels(values, ldv, T, tp, dv, valueChannels(w, desc, g));
    if (backward) packPanels(values, ldv, T, dv, valuePanel(w, desc, g));
  }
}

/**
 * The coefficients c_m of output head i's maps for the block's rows (lanes past nr get 0):
 * c_0 = 1; c_1 = −λ (V1) or −σ[t, i] (V2). Written to the STAT_COEF vectors.
 * sigma: [B·T, H] (V2) → coefficients: M × [BR]
 */
export function coefficients(desc: AttnDesc, w: Work, row0: i32, i: i32, nr: i32): void {
  const c0 = stat(w, STAT_COEF, 0);
  const c1 = stat(w, STAT_COEF, 1);
  for (let r = 0; r < BR; r++) {
    const at = <usize>r << 2;
    store<f32>(c0 + at, r < nr ? 1 : 0);
    let c: f32 = 0;
    if (r < nr && desc.kind == DIFF_V1) c = -desc.lambda;
    if (r < nr && desc.kind == DIFF_V2) c = -load<f32>(desc.sigma + (<usize>((row0 + r) * desc.H + i) << 2));
    store<f32>(c1 + at, c);
  }
}

/**
 * Packs the block's queries of map m (query head h = M·i + m) and scores them against the head's
 * key panels, in base-2 units. op.q: [B·T, M·H·d] → qT_m: [d, BR], s_m: [tv4, BR]
 */
export function scoreMap(desc: AttnDesc, w: Work, op: Operands, b: i32, i: i32, m: i32, t0: i32, nr: i32): void {
  const d = desc.d;
  const h = mapsOf(desc) * i + m;
  const ldq = <usize>(queryHeadsOf(desc) * d) << 2;
  const qT = queryT(w, desc, m);
  packT(op.q + <usize>(b * desc.T + t0) * ldq + (<usize>(h * d) << 2), ldq, nr, d, LOG2E / Mathf.sqrt(<f32>d), qT);
  scoresT(keyPanel(w, desc, m), d, t0 + nr, t0, qT, scoreBuffer(w, m));
}

/** The packed queries of map m. → [d, BR] */
@inline
export function queryT(w: Work, desc: AttnDesc, m: i32): usize {
  return w.qT + (<usize>(m * desc.d * BR) << 2);
}

/** The score (later map, later dS) buffer of map m. → [tp, BR] */
@inline
export function scoreBuffer(w: Work, m: i32): usize {
  return w.s + <usize>m * w.sBytes;
}

/**
 * How many value groups output head i has: 1 when all its maps multiply the same value head
 * (one P·V on their weighted sum), else 2 (one P·V per map). Group g holds the maps
 * [firstMap, lastMap).
 */
export function valueGroups(desc: AttnDesc, i: i32): i32 {
  return mapsOf(desc) == 1 || sharedValues(desc, i) ? 1 : 2;
}

@inline
export function firstMap(g: i32, groups: i32): i32 {
  return groups == 1 ? 0 : g;
}

@inline
export function lastMap(desc: AttnDesc, g: i32, groups: i32): i32 {
  return groups == 1 ? mapsOf(desc) : g + 1;
}

/** The value head that value group g of output head i multiplies. */
export function groupValueHead(desc: AttnDesc, i: i32, g: i32, groups: i32): i32 {
  return valueHead(desc, mapsOf(desc) * i + firstMap(g, groups));
}

/**
 * P of value group g: the per-row weighted sum of its maps, with the weights of stat `slot`
 * (forward: c_m / l_m on unnormalised maps; backward: c_m on the maps). dst may be a map buffer.
 * maps: [tv, BR] each → dst: [tv, BR]; returns dst
 */
export function groupP(desc: AttnDesc, w: Work, i: i32, g: i32, groups: i32, slot: i32, dst: usize, tv: i32): usize {
  const m = firstMap(g, groups);
  if (lastMap(desc, g, groups) - m == 2) {
    weightedMaps(dst, scoreBuffer(w, 0), stat(w, slot, 0), scoreBuffer(w, 1), stat(w, slot, 1), tv);
  } else {
    weightedMaps(dst, scoreBuffer(w, m), stat(w, slot, m), 0, 0, tv);
  }
  return dst;
}
