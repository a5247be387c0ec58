/**
 * The softmax maps the fused kernels never store, rebuilt as their backward rebuilds them from the
 * saved log-sum-exps: P = exp(q·k/√d − lse). For inspection (EngineModel.attentionMaps) and for
 * the golden checks, where a wrong lse therefore fails the maps.
 */
import type { AttentionLayout } from '../attention-desc.js';

/**
 * P[b, h, t, u] = exp(q_h[t]·k_κ(h)[u]/√d − lse[b, h, t]) for u ≤ t, else 0, in float64 from the
 * float32 operands, with the kernel's own κ. q: [B·T, Hq·d], k: [B·T, Hk·d], lse: [B, Hq, T]
 * → [B, Hq, T, T] (V1 and V2: query heads 2i and 2i+1 are maps 1 and 2 of head i)
 */
export function mapsFromLse(q: Float32Array, k: Float32Array, lse: Float32Array, L: AttentionLayout, B: number, T: number): Float64Array {
  const { Hq, Hk, d, kHead } = L;
  const data = new Float64Array(B * Hq * T * T);
  const scale = 1 / Math.sqrt(d);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hq; h++) {
      for (let t = 0; t < T; t++) {
        const qo = ((b * T + t) * Hq + h) * d;
        const row = ((b * Hq + h) * T + t) * T;
        const l = lse[(b * Hq + h) * T + t];
        for (let u = 0; u <= t; u++) {
          const ko = ((b * T + u) * Hk + kHead[h]) * d;
          let s = 0;
          for (let c = 0; c < d; c++) s += q[qo + c] * k[ko + c];
          data[row + u] = Math.exp(s * scale - l);
        }
      }
    }
  }
  return data;
}
