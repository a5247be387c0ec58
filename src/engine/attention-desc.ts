/**
 * Host side of the attention descriptor (assembly/attention-desc.ts): the validated attention
 * config of a layer, the head tables κ (query head → key head) and ν (query head → value head)
 * that make every pairing and GQA/MQA/odd-group case the same kernel, and the 64-byte field
 * block the kernels read.
 *
 *   kind       query heads  key heads  value heads  d_v   κ(h)                        ν(h)
 *   baseline   H            Hkv        Hkv          d     ⌊h / (H/Hkv)⌋               κ(h)
 *   diff_v1    2H           2·Hkv      Hkv          2d    keyHeadForQueryHead(pairing) ⌊⌊h/2⌋ / (H/Hkv)⌋
 *   diff_v2    2H           Hkv        Hkv          d     ⌊h / (2H/Hkv)⌋              κ(h)
 *
 * The V1 tables are the reference's own functions (src/ref/nn/diff-attention.ts), so the engine
 * and the oracle cannot disagree on a pairing.
 */
import { check } from '../errors.js';
import { type GqaPairing, keyHeadForQueryHead, valueHeadForDiffHead } from '../ref/nn/diff-attention.js';

/** The three attention variants the fused kernels run. */
export type AttentionKind = 'baseline' | 'diff_v1' | 'diff_v2';

const KIND_CODE: Record<AttentionKind, number> = { baseline: 0, diff_v1: 1, diff_v2: 2 };

/** What fixes a layer's attention shapes (not the batch or sequence length). */
export interface AttentionConfig {
  kind: AttentionKind;
  /** Output heads H: differential heads for V1/V2, plain heads for the baseline. */
  numHeads: number;
  /** KV groups Hkv (default H): V1 and the baseline need Hkv | H, V2 needs Hkv | 2H. */
  numKvHeads?: number;
  /** Query/key head size d (V1 values have 2d channels). Any d ≥ 1. */
  headDim: number;
  /** V1 only: which key head each map reads under GQA (default 'paper'). */
  pairing?: GqaPairing;
  /**
   * Run one P·V per map even when both maps of a head read the same value head: 12·d instead of
   * 8·d FLOPs per query–key pair and differential head, the same result up to rounding. For
   * measuring what the fused path saves (bench/attention.js); default false.
   */
  splitValueProducts?: boolean;
}

/** The derived sizes and head tables of a validated config. */
export interface AttentionLayout {
  readonly kind: AttentionKind;
  readonly H: number;
  readonly Hkv: number;
  /** Maps per output head: 1 (baseline) or 2. */
  readonly M: number;
  readonly Hq: number;
  readonly Hk: number;
  readonly Hv: number;
  readonly d: number;
  readonly dv: number;
  readonly kHead: Int32Array;
  readonly vHead: Int32Array;
  readonly splitValueProducts: boolean;
}

/** Validates a config (throws `DiffAttnError('value')` naming the field) and derives its layout. */
export function attentionLayout(config: AttentionConfig): AttentionLayout {
  const op = 'attention';
  check(config !== null && typeof config === 'object', 'value', () => `${op}: config must be an object`);
  const { kind, numHeads: H, headDim: d } = config;
  check(kind in KIND_CODE, 'value', () =>
    `${op}: kind must be 'baseline', 'diff_v1' or 'diff_v2', got ${JSON.stringify(kind)}`);
  const Hkv = config.numKvHeads ?? H;
  for (const [name, v] of [['numHeads', H], ['numKvHeads', Hkv], ['headDim', d]] as const) {
    check(Number.isInteger(v) && v >= 1 && v <= 65536, 'value', () =>
      `${op}: ${name} must be an integer in [1, 65536], got ${String(v)}`);
  }
  const pairing = config.pairing ?? 'paper';
  check(pairing === 'paper' || pairing === 'naive', 'value', () =>
    `${op}: pairing must be 'paper' or 'naive', got ${JSON.stringify(config.pairing)}`);
  const split = config.splitValueProducts ?? false;
  check(typeof split === 'boolean', 'value', () => `${op}: splitValueProducts must be a boolean, got ${String(split)}`);
  const M = kind === 'baseline' ? 1 : 2;
  const groupOf = kind === 'diff_v2' ? 2 * H : H;
  check(groupOf % Hkv === 0, 'value', () =>
    `${op}: numKvHeads (${Hkv}) must divide ${kind === 'diff_v2' ? `the ${2 * H} query heads (2·numHeads)` : `numHeads (${H})`} for ${kind}`);
  let kHead: number[];
  let vHead: number[];
  if (kind === 'diff_v1') {
    kHead = keyHeadForQueryHead(H, Hkv, pairing);
    const perHead = valueHeadForDiffHead(H, Hkv);
    vHead = kHead.map((_, h) => perHead[h >> 1]);
  } else {
    const nq = M * H;
    kHead = Array.from({ length: nq }, (_, h) => Math.floor(h / (nq / Hkv)));
    vHead = kHead;
  }
  return {
    kind, H, Hkv, M, Hq: M * H, Hk: kind === 'diff_v1' ? 2 * Hkv : Hkv, Hv: Hkv, d, dv: kind === 'diff_v1' ? 2 * d : d,
    kHead: Int32Array.from(kHead), vHead: Int32Array.from(vHead), splitValueProducts: split,
  };
}

/** Bytes of a descriptor followed by its two head tables. */
export function descriptorBytes(layout: AttentionLayout): number {
  return DESC_BYTES + 8 * layout.Hq;
}

/** Bytes of the descriptor proper (16 four-byte fields, in this order: kind, B, T, H, Hk, Hv, d,
 *  dv, kHead, vHead, λ (f32), sigma, gain, ε (f32), outScale (f32), splitValues). */
export const DESC_BYTES = 64;

/** Per-call values of the descriptor. */
export interface DescriptorCall {
  B: number;
  /** Sequence length (prefill) or 1 (decode). */
  T: number;
  /** V1: λ. */
  lambda: number;
  /** V2: pointer to σ [B·T, H]; else 0. */
  sigma: number;
  /** V1: pointer to the gain [dv], or 0 for none. */
  gain: number;
  /** V1: the per-head norm's ε. */
  eps: number;
  /** V1: 1 − λinit. */
  outScale: number;
}

/**
 * Writes the descriptor and its tables at `ptr` (the field order of assembly/attention-desc.ts),
 * the tables right after the 64 bytes.
 */
export function writeDescriptor(memory: WebAssembly.Memory, ptr: number, layout: AttentionLayout, call: DescriptorCall): void {
  const i32 = new Int32Array(memory.buffer, ptr, DESC_BYTES / 4 + 2 * layout.Hq);
  const f32 = new Float32Array(memory.buffer, ptr, DESC_BYTES / 4);
  const tables = ptr + DESC_BYTES;
  i32.set([KIND_CODE[layout.kind], call.B, call.T, layout.H, layout.Hk, layout.Hv, layout.d, layout.dv,
    tables, tables + 4 * layout.Hq, 0, call.sigma, call.gain, 0, 0, layout.splitValueProducts ? 1 : 0]);
  f32[10] = call.lambda;
  f32[13] = call.eps;
  f32[14] = call.outScale;
  i32.set(layout.kHead, DESC_BYTES / 4);
  i32.set(layout.vHead, DESC_BYTES / 4 + layout.Hq);
}
