/**
 * Hugging Face DiffLlama (`model_type: "diffllama"`) onto the canonical (official V1) layout, as
 * row gathers (see `row-gather.ts`). The facts, from DiffLlama's eager attention:
 *
 * - H = `num_attention_heads` counts single-softmax heads; differential head i (i < H/2) pairs
 *   query head i (map 1) with query head i + H/2 (map 2): halves, not neighbours. Canonically
 *   they become query heads 2i and 2i+1.
 * - Key/value heads have size d. Map 1 of diff head i reads kv head ⌊i/n_rep⌋, map 2 reads
 *   ⌊(i + H/2)/n_rep⌋, and its 2d-wide value is [v of map 1's kv head | v of map 2's].
 * - RoPE rotates pairs (j, j + d/2) (`rotate_half`). Permuting every q and k head's channels by
 *   p[2j] = j, p[2j+1] = j + d/2 turns that into the interleaved rotation of pairs (2j, 2j+1) with
 *   the same frequency, and leaves every q·k unchanged because q and k get the same permutation.
 * - The per-head norm has no gain and ε = `rms_norm_eps`; the output projection is `o_proj`.
 *
 * KV heads: with an even Hkv, canonical KV group g (of Hkv/2) takes DiffLlama kv heads g (K1, first
 * value half) and g + Hkv/2 (K2, second half) — the official flash/paper pairing, no duplication.
 * With an odd Hkv (e.g. MQA) no such grouping exists, so every differential head gets its own
 * canonical KV head (H/2 of them) gathered from the two DiffLlama heads it reads; the duplicated
 * rows' gradients sum back onto the shared source rows.
 */
import { check } from '../../errors.js';
import type { DiffAttnConfig } from '../../ref/index.js';
import type { Layout, RowGather } from './row-gather.js';

export interface DiffLlamaAttnDims {
  hiddenSize: number;
  /** Hugging Face's `num_attention_heads` (single-softmax heads, even). */
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** 0-based layer index. */
  layerIdx: number;
  /** `rms_norm_eps`, also the per-head norm's ε. */
  rmsNormEps: number;
}

export interface DiffLlamaAttnLayout {
  /** The canonical module that computes the same function. */
  config: DiffAttnConfig;
  /** canonical attention parameter name → DiffLlama source rows (names without prefixes). */
  layout: Layout;
  /** The shape of each DiffLlama parameter. */
  sourceShapes: Map<string, number[]>;
  /** For each DiffLlama kv head, one canonical k head that holds its (permuted) rows. */
  canonicalKHeadOf: number[];
  /** p: canonical channel f ← DiffLlama channel p[f], within every q/k head. */
  channelPerm: Int32Array;
}

/** The channel permutation p[2j] = j, p[2j+1] = j + d/2 (rotate_half pairs → interleaved pairs). */
export function halfToInterleaved(d: number): Int32Array {
  return Int32Array.from({ length: d }, (_, f) => (f % 2 === 0 ? f / 2 : (f - 1) / 2 + d / 2));
}

/**
 * Row indices of blocks of `size` rows (heads): block b is source block `blocks[b]`, its rows in
 * the order `perm` gives (row f ← row perm[f]; none: in order).
 */
export function blockRows(blocks: readonly number[], size: number, perm?: Int32Array | null): Int32Array {
  return Int32Array.from(blocks.flatMap((h) => Array.from({ length: size }, (_, f) => h * size + (perm ? perm[f] : f))));
}

/** The canonical layout of one DiffLlama attention module. */
export function diffLlamaAttention(dims: DiffLlamaAttnDims): DiffLlamaAttnLayout {
  const { hiddenSize: E, numHeads: H, numKvHeads: Hkv, headDim: d, layerIdx, rmsNormEps } = dims;
  check(Number.isInteger(H) && H >= 2 && H % 2 === 0, 'value', () =>
    `DiffLlama: num_attention_heads must be an even integer ≥ 2 (heads pair up), got ${H}`);
  check(Number.isInteger(Hkv) && Hkv >= 1 && H % Hkv === 0, 'value', () =>
    `DiffLlama: num_key_value_heads must divide num_attention_heads (${H}), got ${Hkv}`);
  check(Number.isInteger(d) && d >= 2 && d % 2 === 0, 'value', () => `DiffLlama: head_dim must be an even integer ≥ 2, got ${d}`);
  const half = H / 2;
  const nRep = H / Hkv;
  const p = halfToInterleaved(d);
  // src1[g], src2[g]: the DiffLlama kv heads behind canonical KV head g (K1 / K2, value halves).
  const even = Hkv % 2 === 0;
  const groups = even ? Hkv / 2 : half;
  const src1 = Array.from({ length: groups }, (_, g) => (even ? g : Math.floor(g / nRep)));
  const src2 = Array.from({ length: groups }, (_, g) => (even ? g + Hkv / 2 : Math.floor((g + half) / nRep)));

  const headRows = (heads: number[], perm: Int32Array | null): Int32Array => blockRows(heads, d, perm);
  const pairs = <T>(n: number, first: (i: number) => T, second: (i: number) => T): T[] =>
    Array.from({ length: n }, (_, i) => [first(i), second(i)]).flat();

  const layout: Layout = new Map<string, RowGather>([
    ['q_proj.weight', { source: 'q_proj.weight', rows: headRows(pairs(half, (i) => i, (i) => i + half), p) }],
    ['k_proj.weight', { source: 'k_proj.weight', rows: headRows(pairs(groups, (g) => src1[g], (g) => src2[g]), p) }],
    ['v_proj.weight', { source: 'v_proj.weight', rows: headRows(pairs(groups, (g) => src1[g], (g) => src2[g]), null) }],
    ['out_proj.weight', { source: 'o_proj.weight' }],
    ...['lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2'].map((n): [string, RowGather] => [n, { source: n }]),
  ]);
  const sourceShapes = new Map<string, number[]>([
    ['q_proj.weight', [H * d, E]], ['k_proj.weight', [Hkv * d, E]], ['v_proj.weight', [Hkv * d, E]], ['o_proj.weight', [E, H * d]],
    ...['lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2'].map((n) => [n, [d]] as [string, number[]]),
  ]);
  const canonicalKHeadOf = Array.from({ length: Hkv }, (_, j) => {
    const g1 = src1.indexOf(j);
    return g1 >= 0 ? 2 * g1 : 2 * src2.indexOf(j) + 1;
  });
  return {
    config: {
      embedDim: E, numHeads: half, numKvHeads: groups, headDim: d, depth: layerIdx, pairing: 'paper',
      sublnEps: rmsNormEps, sublnAffine: false, ropeStyle: 'interleaved',
    },
    layout, sourceShapes, canonicalKHeadOf, channelPerm: p,
  };
}
