/**
 * Fused causal attention forward (prefill) for DIFF V1, DIFF V2 and the baseline: one block loop,
 * the variant only sets the number of maps, their coefficients and the epilogue (see
 * attention-desc.ts).
 *
 * Per block of BR query rows and output head i, all in scratch:
 *   1. for each map m: Sᵀ_m = K_κ · (Q_h · log₂e/√d)ᵀ over the visible keys, then the EXACT
 *      softmax of every row (the block's rows fit in scratch: Sᵀ is [tv, BR]): row max, 2^(s − max),
 *      row sum; log-sum-exp saved for the backward;
 *   2. the maps' weighted sum P = Σ_m (c_m / l_m) · e_m when both maps read the same value head
 *      (always for V1), so ONE P·V with the 2d-wide values follows: 8·d FLOPs per (query, key)
 *      pair and differential head instead of 12·d for two separate attentions (the measured
 *      choice, docs/attention-kernels.md); otherwise one P·V per map, accumulated;
 *   3. the epilogue (V1: per-head RMSNorm, gain, × (1 − λinit), r saved) writes the head's
 *      channels of the token-major output.
 */
import { AttnDesc, mapsOf, queryHeadsOf } from './attention-desc';
import { coefficients, groupP, prepareHead, scoreBuffer, scoreMap, valueGroups, valuesT } from './attention-block';
import { finishBlock } from './attention-epilogue';
import { LN2, expRows, rowMax } from './attention-softmax';
import {
  BR, Operands, STAT_COEF, STAT_SUB, STAT_SUM, STAT_WEIGHT, Work, operandsOf, planWork, stat, valueChannels, workBytes,
} from './attention-work';
import { assertAttention, assertOptional } from './attention-checks';

/** Scratch bytes `attention_forward` needs for this descriptor (linear in T). */
export function attention_forward_scratch_bytes(desc: usize): i32 {
  return workBytes(changetype<AttnDesc>(desc), false);
}

/**
 * Causal attention forward.
 * q: [B·T, M·H·d], k: [B·T, Hk·d], v: [B·T, Hv·dv] → out: [B·T, H·dv] (head-major channels),
 * lse: [B, M·H, T] natural log-sum-exp of each map's scaled scores (or 0 to skip),
 * rstd: [B, H, T] the V1 norm's r (or 0 to skip; unused otherwise). scratch: see above.
 */
export function attention_forward(descPtr: usize, q: usize, k: usize, v: usize, out: usize, lse: usize,
  rstd: usize, scratch: usize): void {
  const desc = changetype<AttnDesc>(descPtr);
  assertAttention(desc, q, k, v, out, desc.T, scratch, workBytes(desc, false));
  assertOptional(lse, <u64>desc.B * queryHeadsOf(desc) * desc.T, 'attention: lse outside memory');
  assertOptional(rstd, <u64>desc.B * desc.H * desc.T, 'attention: rstd outside memory');
  const w = planWork(desc, scratch, false);
  const op = operandsOf(w);
  op.q = q;
  op.k = k;
  op.v = v;
  op.out = out;
  op.lse = lse;
  op.rstd = rstd;
  for (let b = 0; b < desc.B; b++) {
    for (let i = 0; i < desc.H; i++) {
      prepareHead(desc, w, op, b, i, false);
      for (let t0 = 0; t0 < desc.T; t0 += BR) forwardBlock(desc, w, op, b, i, t0);
    }
  }
}

// One block: rows t0 … t0 + nr − 1 of batch row b, output head i.
function forwardBlock(desc: AttnDesc, w: Work, op: Operands, b: i32, i: i32, t0: i32): void {
  const M = mapsOf(desc);
  const T = desc.T;
  const dv = desc.dv;
  const nr = min(BR, T - t0);
  const tv = t0 + nr;
  const row0 = b * T + t0;
  for (let m = 0; m < M; m++) {
    const s = scoreBuffer(w, m);
    scoreMap(desc, w, op, b, i, m, t0, nr);
    rowMax(s, tv, t0, stat(w, STAT_SUB, m));
    expRows(s, tv, t0, stat(w, STAT_SUB, m), stat(w, STAT_SUM, m));
    if (op.lse != 0) storeLse(w, m, op.lse + (<usize>((b * M * desc.H + M * i + m) * T + t0) << 2), nr);
  }
  coefficients(desc, w, row0, i, nr);
  for (let m = 0; m < M; m++) {
    const wt = stat(w, STAT_WEIGHT, m);
    const c = stat(w, STAT_COEF, m);
    const l = stat(w, STAT_SUM, m);
    for (let r: usize = 0; r < <usize>BR << 2; r += 16) v128.store(wt + r, f32x4.div(v128.load(c + r), v128.load(l + r)));
  }
  // The exponentials are still unnormalised: each group's P folds 1/l_m into its weights.
  const groups = valueGroups(desc, i);
  for (let g = 0; g < groups; g++) {
    const p = groupP(desc, w, i, g, groups, STAT_WEIGHT, scoreBuffer(w, g), tv);
    valuesT(valueChannels(w, desc, g), (T + 3) & ~3, dv, tv, t0, p, w.oT, g > 0);
  }
  const ldo = <usize>(desc.H * dv) << 2;
  const rstd = op.rstd != 0 ? op.rstd + (<usize>((b * desc.H + i) * T + t0) << 2) : 0;
  finishBlock(desc, w.oT, nr, op.out + <usize>row0 * ldo + (<usize>(i * dv) << 2), ldo, rstd);
}

// lse = ln Σ_u e^(q·k_u/√d) = (max₂ + log₂ l)·ln 2 for the block's valid rows of map m.
// → lse: [nr] contiguous
function storeLse(w: Work, m: i32, lse: usize, nr: i32): void {
  for (let r = 0; r < nr; r++) {
    const at = <usize>r << 2;
    const mx = load<f32>(stat(w, STAT_SUB, m) + at);
    const l = load<f32>(stat(w, STAT_SUM, m) + at);
    store<f32>(lse + at, (mx + Mathf.log2(l)) * LN2);
  }
}
