/**
 * What every attention kernel is told about the layer: the attention descriptor, a block of 16
 * four-byte fields the host writes into linear memory (src/engine/attention-desc.ts mirrors the
 * field order), so the kernels take one pointer instead of twenty arguments.
 *
 * One descriptor covers the three variants, which differ only in how many maps an output head
 * combines, their coefficients, and the epilogue:
 *
 *   kind      maps M   output head i                                    epilogue
 *   BASELINE  1        O_i = A_i V_ν(i)                                  none
 *   DIFF_V1   2        O_i = A_2i V_ν(2i) − λ·A_2i+1 V_ν(2i+1)           (1 − λinit)·RMSNorm(O_i)·g
 *   DIFF_V2   2        O_i = A_2i V_ν(2i) − σ_t,i·A_2i+1 V_ν(2i+1)       none
 *
 * with A_h = softmax(Q_h K_κ(h)ᵀ/√d) causal, κ = `kHead` and ν = `vHead` (i32 arrays of M·H
 * entries, host-computed: both V1 pairings and every GQA/MQA/odd-group case are just tables).
 */

export const BASELINE: i32 = 0;
export const DIFF_V1: i32 = 1;
export const DIFF_V2: i32 = 2;

@unmanaged
export class AttnDesc {
  /** BASELINE, DIFF_V1 or DIFF_V2. */
  kind: i32;
  /** Batch size. */
  B: i32;
  /** Sequence length (prefill); 1 for decode. */
  T: i32;
  /** Output heads H (differential heads for V1/V2). */
  H: i32;
  /** Key heads (V1: 2·Hkv) and value heads. */
  Hk: i32;
  Hv: i32;
  /** Query/key head size and value head size (V1: dv = 2d). */
  d: i32;
  dv: i32;
  /** κ: i32 [M·H], the key head each query head reads. */
  kHead: usize;
  /** ν: i32 [M·H], the value head each query head's map multiplies. */
  vHead: usize;
  /** V1: λ, one scalar for the layer. */
  lambda: f32;
  /** V2: σ(λ) per token and head, f32 [B·T, H]. */
  sigma: usize;
  /** V1: the norm's gain f32 [dv] shared by all heads, or 0 for none. */
  gain: usize;
  /** V1: ε of the per-head RMSNorm. */
  eps: f32;
  /** V1: 1 − λinit. */
  outScale: f32;
  /** 1: one P·V per map even when both maps read the same value head (12·d instead of 8·d
   *  FLOPs per query–key pair; the same result up to rounding). Measures the fused path's saving. */
  splitValues: i32;
}

/** Bytes of a descriptor. */
export const DESC_BYTES: i32 = 64;

/** Maps per output head: 1 for the baseline, 2 for the differential variants. */
@inline
export function mapsOf(desc: AttnDesc): i32 {
  return desc.kind == BASELINE ? 1 : 2;
}

/** Query heads M·H (row width of q is that times d). */
@inline
export function queryHeadsOf(desc: AttnDesc): i32 {
  return mapsOf(desc) * desc.H;
}

/** κ(h): the key head query head h reads. */
@inline
export function keyHead(desc: AttnDesc, h: i32): i32 {
  return load<i32>(desc.kHead + (<usize>h << 2));
}

/** ν(h): the value head query head h's map multiplies. */
@inline
export function valueHead(desc: AttnDesc, h: i32): i32 {
  return load<i32>(desc.vHead + (<usize>h << 2));
}

/**
 * Whether the two maps of output head i multiply the same value head, so that their weighted
 * difference is formed first and multiplied by V once (the 8·d path, docs/attention-kernels.md).
 * True for V1 and for V2 with an even group size, unless `splitValues` asks for one P·V per map;
 * false for V2 under odd groups and for the baseline (one map).
 */
@inline
export function sharedValues(desc: AttnDesc, i: i32): bool {
  return desc.splitValues == 0 && mapsOf(desc) == 2 && valueHead(desc, 2 * i) == valueHead(desc, 2 * i + 1);
}
