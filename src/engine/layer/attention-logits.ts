/**
 * The pre-softmax attention logits q·k/√d the fused kernels compute but never store, rebuilt on the
 * host from the saved q and k activations (after rotary). The outlier experiments read them (the
 * paper's "top-1 attention logit"); `mapsFromLse` turns them into the softmax maps.
 */
import type { AttentionLayout } from '../attention-desc.js';

/**
 * S[b, h, t, u] = q_h[t]·k_κ(h)[u]/√d for u ≤ t, in float64 from the float32 operands, with the
 * kernel's own κ; masked entries (u > t) are −∞, the value the causal mask adds before the softmax,
 * so softmax over a row is the attention map and a row's maximum is its top-1 logit without
 * special-casing the mask. q: [B·T, Hq·d], k: [B·T, Hk·d] → [B, Hq, T, T]
 */
export function logitsFromQk(q: Float32Array, k: Float32Array, L: AttentionLayout, B: number, T: number): Float64Array {
  const { Hq, Hk, d, kHead } = L;
  const data = new Float64Array(B * Hq * T * T).fill(-Infinity);
  const scale = 1 / Math.sqrt(d);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hq; h++) {
      for (let t = 0; t < T; t++) {
        const qo = ((b * T + t) * Hq + h) * d;
        const row = ((b * Hq + h) * T + t) * T;
        for (let u = 0; u <= t; u++) {
          const ko = ((b * T + u) * Hk + kHead[h]) * d;
          let s = 0;
          for (let c = 0; c < d; c++) s += q[qo + c] * k[ko + c];
          data[row + u] = s * scale;
        }
      }
    }
  }
  return data;
}
