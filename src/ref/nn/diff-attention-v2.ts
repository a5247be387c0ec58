/**
 * DIFF V2 (the official follow-up, `MultiheadFlashDiffV2`): double the query heads, run ONE
 * causal attention over them, and subtract adjacent heads with a per-token, per-head λ:
 *
 *   a_h = softmax(Q_h K_{g(h)}ᵀ/√d) V_{g(h)}       h = 0 … 2H−1 (grouped-query attention)
 *   λ_{t,i} = σ(x_t · Wλ_i)                        from the module input
 *   o_i = a_{2i} − λ_i ⊙ a_{2i+1},   y = Concat(o_i) W^O
 *
 * Unlike V1 there is no per-head norm, no λinit and no (1 − λinit) factor, and the head size d is
 * independent of the model width. With `useDiff: false` the same module is a plain GQA attention
 * with H query heads (the official `use_diff_v2 = False`).
 */
import { check } from '../../errors.js';
import { mul, permute, reshape, sigmoid, slice, sub, type RotaryStyle } from '../ops/index.js';
import { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { groupedQueryAttention, mergeHeads } from './heads.js';
import type { Trace } from './trace.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import type { RopeTables } from './rotary.js';

export interface DiffAttnV2Config {
  /** Model width D (`d_model`). */
  dModel: number;
  /** Number of output heads H; the differential variant runs 2H query heads. */
  numHeads: number;
  /** KV heads; must divide the number of query heads. Default H. */
  numKvHeads?: number;
  /** Head size d of q, k and v (free). */
  headDim: number;
  /** Default true; false gives the official baseline of the same file. */
  useDiff?: boolean;
  ropeStyle?: RotaryStyle;
}

export class DiffAttnV2 extends Module {
  readonly numHeads: number;
  readonly numQueryHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly useDiff: boolean;
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  readonly lambda_proj: Linear | null;

  constructor(readonly config: DiffAttnV2Config, rng = new Rng(0)) {
    super();
    const { dModel: D, numHeads: H, headDim: d } = config;
    const useDiff = config.useDiff ?? true;
    const nq = useDiff ? 2 * H : H;
    const Hkv = config.numKvHeads ?? H;
    check([D, H, Hkv, d].every((v) => Number.isInteger(v) && v > 0) && nq % Hkv === 0, 'value', () =>
      `DiffAttnV2: need positive integer sizes with numKvHeads dividing the ${nq} query heads, got dModel ${D}, numHeads ${H}, numKvHeads ${Hkv}, headDim ${d}`);
    this.numHeads = H;
    this.numQueryHeads = nq;
    this.numKvHeads = Hkv;
    this.headDim = d;
    this.useDiff = useDiff;
    this.q_proj = this.child('q_proj', new Linear(D, nq * d, rng));
    this.k_proj = this.child('k_proj', new Linear(D, Hkv * d, rng));
    this.v_proj = this.child('v_proj', new Linear(D, Hkv * d, rng));
    this.o_proj = this.child('o_proj', new Linear(H * d, D, rng));
    this.lambda_proj = useDiff ? this.child('lambda_proj', new Linear(D, H, rng)) : null;
  }

  // x: [B, T, D], rope tables [≥T, r/2] → [B, T, D]
  forward(x: Tensor, rope: RopeTables, trace?: Trace): Tensor {
    const [B, T] = x.shape;
    const { numHeads: H, numQueryHeads: nq, headDim: d } = this;
    const proj = { q: this.q_proj, k: this.k_proj, v: this.v_proj };
    const a = groupedQueryAttention(x, proj, nq, this.numKvHeads, d, rope, this.config.ropeStyle ?? 'interleaved');
    let out = a.heads; // [B, nq, T, d]
    if (this.lambda_proj) {
      const pairs = reshape(a.heads, [B, H, 2, T, d]);
      const lambdaVal = this.lambda_proj.forward(x); // [B, T, H]
      const lambdaSig = sigmoid(lambdaVal);
      const perHead = reshape(permute(lambdaSig, [0, 2, 1]), [B, H, T, 1]);
      const first = reshape(slice(pairs, 2, 0, 1), [B, H, T, d]);
      const second = reshape(slice(pairs, 2, 1, 2), [B, H, T, d]);
      out = sub(first, mul(perHead, second)); // [B, H, T, d]
      if (trace) {
        const maps = reshape(a.probs, [B, H, 2, T, T]);
        trace.set('attn1', reshape(slice(maps, 2, 0, 1), [B, H, T, T])).set('attn2', reshape(slice(maps, 2, 1, 2), [B, H, T, T]));
        trace.set('lambda_val', lambdaVal).set('lambda_sigmoid', lambdaSig);
      }
    }
    const z = mergeHeads(out); // [B, T, H·d]
    trace?.set('q_rot', a.q).set('k_rot', a.k).set('attn_probs', a.probs)
      .set('attn_heads', permute(a.heads, [0, 2, 1, 3])).set('pre_o_proj', z);
    return this.o_proj.forward(z);
  }
}
