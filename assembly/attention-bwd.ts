/**
 * Fused causal attention backward for DIFF V1, DIFF V2 and the baseline, through the same block
 * loop as the forward: the maps are recomputed from the saved log-sum-exps (never stored), a
 * block's rows at a time, exactly as the forward made them.
 *
 * Derivation, for one output head i, block rows t, keys u ≤ t, maps m with query head h = M·i + m,
 * key head κ(h), value head ν(h), coefficient c_m(t) (c_0 = 1; c_1 = −λ or −σ_t,i):
 *
 *   S_m = Q_h K_κᵀ/√d,   A_m = softmax_u(S_m),   O = Σ_m c_m A_m V_ν,   y = epilogue(O)
 *
 *   dO    = dy (V2, baseline), or the norm backward of attention-epilogue.ts (V1)
 *   dV_ν += (c_m A_m)ᵀ dO = Pᵀ dO  with P = Σ_{m in the value group} c_m A_m
 *   G     = dO V_νᵀ                                   so ∂L/∂A_m = c_m G
 *   R_m   = Σ_u G ⊙ A_m  (per row)                    = ∂L/∂c_m(t)
 *   dS_m  = A_m ⊙ (c_m G − Σ_u c_m G ⊙ A_m) = c_m A_m ⊙ (G − R_m)        (softmax backward)
 *   dQ_h  = dS_m K_κ / √d,    dK_κ += dS_mᵀ Q_h / √d                     (S is bilinear)
 *   dλ    = Σ_t ∂L/∂c_1 · ∂c_1/∂λ = −Σ_{b,i,t} R_1(t)                   (V1: c_1 = −λ)
 *   dσ_t,i = −R_1(t)                                                      (V2: c_1 = −σ_t,i)
 *
 * R_m needs whole rows of G and A_m; a block's rows are whole in scratch (Sᵀ is [tv, BR]), so it
 * is summed directly, where flash attention would use rowsum(dO ⊙ O) — which only works for a
 * single map. dQ of a block is complete when the block is done (it sums over all its keys); dK
 * and dV accumulate over blocks and over the heads that share a key/value head (GQA).
 * V1 recomputes O = Σ P·V for the norm's backward (one more P·V, 4·d of 24·d FLOPs per pair)
 * instead of keeping the pre-norm output; see docs/attention-kernels.md.
 */
import { AttnDesc, DIFF_V1, DIFF_V2, keyHead, mapsOf, queryHeadsOf } from './attention-desc';
import {
  accumulateKeys, coefficients, firstMap, groupP, groupValueHead, lastMap, prepareHead, scoreBuffer, scoreMap, scoresT,
  valueGroups, valuesT,
} from './attention-block';
import { packRows, packT, transposeBlock } from './attention-pack';
import { normBackwardRow } from './attention-epilogue';
import { LOG2E, expRows, softmaxGrad } from './attention-softmax';
import {
  BR, Operands, STAT_COEF, STAT_R, STAT_SUB, Work, keyChannels, operandsOf, planWork, rowWidth, stat, valueChannels, valuePanel,
  workBytes,
} from './attention-work';
import { assertAttention, assertOptional } from './attention-checks';

/** Scratch bytes `attention_backward` needs for this descriptor (linear in T). */
export function attention_backward_scratch_bytes(desc: usize): i32 {
  return workBytes(changetype<AttnDesc>(desc), true);
}

/**
 * Causal attention backward. Inputs as for `attention_forward`, plus lse: [B, M·H, T] and (V1)
 * rstd: [B, H, T] from it, and dy: [B·T, H·dv]. Every output is overwritten:
 * → dq: [B·T, M·H·d], dk: [B·T, Hk·d], dv: [B·T, Hv·dv],
 *   dcoef: V1 dλ [1], V2 dσ [B·T, H] (0 to skip; unused for the baseline),
 *   dgain: V1 with a gain, d(gain) [dv] (0 to skip).
 */
export function attention_backward(descPtr: usize, q: usize, k: usize, v: usize, lse: usize, rstd: usize, dy: usize,
  dq: usize, dk: usize, dv: usize, dcoef: usize, dgain: usize, scratch: usize): void {
  const desc = changetype<AttnDesc>(descPtr);
  const bytes = workBytes(desc, true);
  assertAttention(desc, q, k, v, dy, desc.T, scratch, bytes);
  assertAttention(desc, dq, dk, dv, dy, desc.T, scratch, bytes);
  assertOptional(lse, <u64>desc.B * queryHeadsOf(desc) * desc.T, 'attention: lse outside memory');
  assertOptional(rstd, <u64>desc.B * desc.H * desc.T, 'attention: rstd outside memory');
  const w = planWork(desc, scratch, true);
  const op = operandsOf(w);
  op.q = q;
  op.k = k;
  op.v = v;
  op.out = dy;
  op.lse = lse;
  op.rstd = rstd;
  op.dq = dq;
  op.dk = dk;
  op.dv = dv;
  op.dcoef = dcoef;
  op.dgain = desc.kind == DIFF_V1 && desc.gain != 0 ? dgain : 0;
  const rows = <usize>(desc.B * desc.T) << 2;
  memory.fill(dk, 0, rows * <usize>(desc.Hk * desc.d));
  memory.fill(dv, 0, rows * <usize>(desc.Hv * desc.dv));
  memory.fill(w.dgain, 0, <usize>desc.dv << 3);
  let dlambda: f64 = 0;
  for (let b = 0; b < desc.B; b++) {
    for (let i = 0; i < desc.H; i++) {
      prepareHead(desc, w, op, b, i, true);
      for (let t0 = 0; t0 < desc.T; t0 += BR) dlambda += backwardBlock(desc, w, op, b, i, t0);
    }
  }
  if (desc.kind == DIFF_V1 && dcoef != 0) store<f32>(dcoef, <f32>dlambda);
  if (op.dgain != 0) {
    for (let c = 0; c < desc.dv; c++) store<f32>(dgain + (<usize>c << 2), <f32>load<f64>(w.dgain + (<usize>c << 3)));
  }
}

// One block: rows t0 … t0 + nr − 1 of batch row b, output head i. Returns the block's share of dλ.
function backwardBlock(desc: AttnDesc, w: Work, op: Operands, b: i32, i: i32, t0: i32): f64 {
  const M = mapsOf(desc);
  const T = desc.T;
  const dv = desc.dv;
  const dvw = rowWidth(dv);
  const nr = min(BR, T - t0);
  const tv = t0 + nr;
  const tp = (T + 3) & ~3;
  const row0 = b * T + t0;
  const ldv = <usize>(desc.Hv * dv) << 2;
  const ldo = <usize>(desc.H * dv) << 2;

  // The maps A_m, recomputed from the saved log-sum-exps.
  for (let m = 0; m < M; m++) {
    scoreMap(desc, w, op, b, i, m, t0, nr);
    loadLse(w, m, op.lse + (<usize>((b * M * desc.H + M * i + m) * T + t0) << 2), nr);
    expRows(scoreBuffer(w, m), tv, t0, stat(w, STAT_SUB, m), 0);
  }
  coefficients(desc, w, row0, i, nr);

  // dO, as rows and transposed.
  const groups = valueGroups(desc, i);
  let built = -1; // the value group whose P is in w.p
  const dyBlock = op.out + <usize>row0 * ldo + (<usize>(i * dv) << 2);
  if (desc.kind == DIFF_V1) {
    for (let g = 0; g < groups; g++) {
      valuesT(valueChannels(w, desc, g), tp, dv, tv, t0, groupP(desc, w, i, g, groups, STAT_COEF, w.p, tv), w.oT, g > 0);
      built = g;
    }
    memory.fill(w.dORows, 0, <usize>(BR * dvw) << 2);
    const rstd = op.rstd + (<usize>((b * desc.H + i) * T + t0) << 2);
    for (let r = 0; r < nr; r++) {
      normBackwardRow(desc, w.oT + (<usize>r << 2), <usize>BR << 2, dyBlock + <usize>r * ldo,
        load<f32>(rstd + (<usize>r << 2)), w.dORows + (<usize>(r * dvw) << 2), op.dgain != 0 ? w.dgain : 0);
    }
  } else {
    packRows(dyBlock, ldo, nr, BR, dv, dvw, w.dORows);
  }
  packT(w.dORows, <usize>dvw << 2, nr, dv, 1, w.dOT);

  // Per value group: dV, G, and dS of its maps (in place over A_m).
  const invSqrtD: f32 = <f32>1 / Mathf.sqrt(<f32>desc.d);
  for (let g = 0; g < groups; g++) {
    const p = built == g ? w.p : groupP(desc, w, i, g, groups, STAT_COEF, w.p, tv);
    built = g;
    const vHead = <usize>(groupValueHead(desc, i, g, groups) * dv) << 2;
    transposeBlock(p, tv, w.rowsT, w.rowsLd);
    accumulateKeys(w.rowsT, w.rowsLd, tv, t0, w.dORows, dv, dvw, nr, op.dv + <usize>(b * T) * ldv + vHead, ldv, w.edge);
    scoresT(valuePanel(w, desc, g), dv, tv, t0, w.dOT, w.g);
    for (let m = firstMap(g, groups); m < lastMap(desc, g, groups); m++) {
      softmaxGrad(scoreBuffer(w, m), w.g, tv, t0, stat(w, STAT_COEF, m), invSqrtD, stat(w, STAT_R, m));
    }
  }
  const dlambda = M == 2 ? coefficientGradient(desc, w, op, row0, i, nr) : 0;

  // dQ and dK of every map.
  const d = desc.d;
  const dw = rowWidth(d);
  const ldq = <usize>(queryHeadsOf(desc) * d) << 2;
  const ldk = <usize>(desc.Hk * d) << 2;
  for (let m = 0; m < M; m++) {
    const h = M * i + m;
    const dS = scoreBuffer(w, m);
    const keys = <usize>(b * T) * ldk + (<usize>(keyHead(desc, h) * d) << 2);
    valuesT(keyChannels(w, desc, m), tp, d, tv, t0, dS, w.dqT, false);
    unpackT(w.dqT, d, nr, op.dq + <usize>row0 * ldq + (<usize>(h * d) << 2), ldq);
    packRows(op.q + <usize>row0 * ldq + (<usize>(h * d) << 2), ldq, nr, BR, d, dw, w.qRows);
    transposeBlock(dS, tv, w.rowsT, w.rowsLd);
    accumulateKeys(w.rowsT, w.rowsLd, tv, t0, w.qRows, d, dw, nr, op.dk + keys, ldk, w.edge);
  }
  return dlambda;
}

// The saved natural log-sum-exps of map m's valid rows, in base 2 (padding lanes 0).
// lse: [nr] → stat STAT_SUB of map m: [BR]
function loadLse(w: Work, m: i32, lse: usize, nr: i32): void {
  const dst = stat(w, STAT_SUB, m);
  for (let r = 0; r < BR; r++) {
    store<f32>(dst + (<usize>r << 2), r < nr ? load<f32>(lse + (<usize>r << 2)) * LOG2E : 0);
  }
}

// ∂L/∂c_1 = R_1 per row: V2 writes dσ_t,i = −R_1(t); V1 returns −Σ_t R_1(t), its share of dλ.
function coefficientGradient(desc: AttnDesc, w: Work, op: Operands, row0: i32, i: i32, nr: i32): f64 {
  const R = stat(w, STAT_R, 1);
  let sum: f64 = 0;
  for (let r = 0; r < nr; r++) {
    const x = load<f32>(R + (<usize>r << 2));
    sum -= <f64>x;
    if (desc.kind == DIFF_V2 && op.dcoef != 0) store<f32>(op.dcoef + (<usize>((row0 + r) * desc.H + i) << 2), -x);
  }
  return sum;
}

// Writes lanes r < nr of a transposed block back as rows.
// srcT: [n, BR] → dst: [nr rows, n] (row stride ld)
function unpackT(srcT: usize, n: i32, nr: i32, dst: usize, ld: usize): void {
  for (let r = 0; r < nr; r++) {
    const row = dst + <usize>r * ld;
    for (let c = 0; c < n; c++) store<f32>(row + (<usize>c << 2), load<f32>(srcT + (<usize>(c * BR + r) << 2)));
  }
}
