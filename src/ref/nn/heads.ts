/**
 * Pieces every attention variant shares: moving between token-major and head-major layouts,
 * and the causal softmax maps of a set of query heads that each read one key head.
 */
import { causalMask, indexSelect, matmul, permute, reshape, rotary, scale, softmax, transpose, type RotaryStyle } from '../ops/index.js';
import type { Tensor } from '../tensor.js';
import type { Linear } from './linear.js';
import type { RopeTables } from './rotary.js';

// x: [B, T, H, D] → [B, H, T, D]
export function toHeads(x: Tensor): Tensor {
  return permute(x, [0, 2, 1, 3]);
}

// x: [B, H, T, D] → [B, T, H·D] (head-major channels: head h owns channels h·D … h·D + D − 1)
export function mergeHeads(x: Tensor): Tensor {
  const [B, H, T, D] = x.shape;
  return reshape(permute(x, [0, 2, 1, 3]), [B, T, H * D]);
}

/**
 * softmax(q_h k_{κ(h)}ᵀ / √d + causal mask) for each query head h.
 * q: [B, Hq, T, d], k: [B, Hk, T, d], kHead[h] = κ(h) → maps: [B, Hq, T, T]
 */
export function causalMaps(q: Tensor, k: Tensor, kHead: readonly number[]): Tensor {
  const d = q.shape[3];
  const scores = matmul(q, transpose(indexSelect(k, 1, kHead), -1, -2));
  return softmax(scale(scores, 1 / Math.sqrt(d)), causalMask(q.shape[2]));
}

/** What `groupedQueryAttention` computes, kept for tracing and for the differential variants. */
export interface GqaResult {
  /** q after rotary: [B, T, Hq, d] */
  q: Tensor;
  /** k after rotary: [B, T, Hkv, d] */
  k: Tensor;
  /** the causal softmax maps: [B, Hq, T, T] */
  probs: Tensor;
  /** per-head outputs probs · v: [B, Hq, T, d] */
  heads: Tensor;
}

/**
 * Causal softmax attention with grouped queries, the part the baseline and DIFF V2 share:
 * Hq query heads of size d over Hkv key/value heads, query head h reading KV head ⌊h/(Hq/Hkv)⌋.
 * x: [B, T, E] → heads: [B, Hq, T, d]
 */
export function groupedQueryAttention(x: Tensor, proj: { q: Linear; k: Linear; v: Linear }, Hq: number, Hkv: number,
  d: number, rope: RopeTables, style: RotaryStyle): GqaResult {
  const [B, T] = x.shape;
  const q = rotary(reshape(proj.q.forward(x), [B, T, Hq, d]), rope.cos, rope.sin, style);
  const k = rotary(reshape(proj.k.forward(x), [B, T, Hkv, d]), rope.cos, rope.sin, style);
  const v = toHeads(reshape(proj.v.forward(x), [B, T, Hkv, d]));
  const kvHead = Array.from({ length: Hq }, (_, h) => Math.floor(h / (Hq / Hkv)));
  const probs = causalMaps(toHeads(q), toHeads(k), kvHead);
  return { q, k, probs, heads: matmul(probs, indexSelect(v, 1, kvHead)) };
}
