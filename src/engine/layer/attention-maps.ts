/**
 * The softmax maps the fused kernels never store, rebuilt as their backward rebuilds them from the
 * saved log-sum-exps: P = exp(q·k/√d − lse). For inspection (EngineModel.attentionMaps) and for
 * the golden checks, where a wrong lse therefore fails the maps.
 */
import type { AttentionLayout } from '../attention-desc.js';
import { logitsFromQk } from './attention-logits.js';

/**
 * P[b, h, t, u] = exp(S[b, h, t, u] − lse[b, h, t]) with S the logits of `logitsFromQk` (−∞
 * above the diagonal, so 0 there), in float64 from the float32 operands. q: [B·T, Hq·d],
 * k: [B·T, Hk·d], lse: [B, Hq, T] → [B, Hq, T, T] (V1 and V2: query heads 2i and 2i+1 are maps 1
 * and 2 of head i)
 */
export function mapsFromLse(q: Float32Array, k: Float32Array, lse: Float32Array, L: AttentionLayout, B: number, T: number): Float64Array {
  const data = logitsFromQk(q, k, L, B, T);
  for (let row = 0; row < B * L.Hq * T; row++) {
    const l = lse[row];
    for (let u = row * T; u < (row + 1) * T; u++) data[u] = Math.exp(data[u] - l);
  }
  return data;
}
