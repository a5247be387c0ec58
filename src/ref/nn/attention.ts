/**
 * The baseline: causal multi-head softmax attention with grouped queries, as the official
 * `MultiheadAttention` (head size E/H, parameter names q_proj/k_proj/v_proj/out_proj).
 *   head_h = softmax(Q_h K_{g(h)}ᵀ/√d) V_{g(h)},  y = Concat(head_h) W^O
 */
import { check } from '../../errors.js';
import type { RotaryStyle } from '../ops/index.js';
import { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { groupedQueryAttention, mergeHeads } from './heads.js';
import type { Trace } from './trace.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import type { RopeTables } from './rotary.js';

export interface AttentionConfig {
  embedDim: number;
  numHeads: number;
  /** Must divide numHeads; default numHeads. */
  numKvHeads?: number;
  /** Default embedDim / numHeads. */
  headDim?: number;
  ropeStyle?: RotaryStyle;
}

export class MultiheadAttention extends Module {
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly out_proj: Linear;

  constructor(readonly config: AttentionConfig, rng = new Rng(0)) {
    super();
    const { embedDim: E, numHeads: H } = config;
    const Hkv = config.numKvHeads ?? H;
    const d = config.headDim ?? E / H;
    check([E, H, Hkv, d].every((v) => Number.isInteger(v) && v > 0) && H % Hkv === 0, 'value', () =>
      `MultiheadAttention: need positive integer sizes with numKvHeads dividing numHeads, got embedDim ${E}, numHeads ${H}, numKvHeads ${Hkv}, headDim ${d}`);
    this.numHeads = H;
    this.numKvHeads = Hkv;
    this.headDim = d;
    this.q_proj = this.child('q_proj', new Linear(E, H * d, rng));
    this.k_proj = this.child('k_proj', new Linear(E, Hkv * d, rng));
    this.v_proj = this.child('v_proj', new Linear(E, Hkv * d, rng));
    this.out_proj = this.child('out_proj', new Linear(H * d, E, rng));
  }

  // x: [B, T, E], rope tables [≥T, r/2] → [B, T, E]
  forward(x: Tensor, rope: RopeTables, trace?: Trace): Tensor {
    const proj = { q: this.q_proj, k: this.k_proj, v: this.v_proj };
    const a = groupedQueryAttention(x, proj, this.numHeads, this.numKvHeads, this.headDim, rope, this.config.ropeStyle ?? 'interleaved');
    const z = mergeHeads(a.heads);
    trace?.set('q_rot', a.q).set('k_rot', a.k).set('attn_probs', a.probs).set('pre_out_proj', z);
    return this.out_proj.forward(z);
  }
}
