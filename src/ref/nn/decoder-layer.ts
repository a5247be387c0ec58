/**
 * One pre-norm decoder layer (paper §2.2, equation (4)):
 *   Y  = MultiHead(LN(X)) + X
 *   X' = SwiGLU(LN(Y)) + Y
 * with LN = RMSNorm and MultiHead one of the three attention variants. Parameter names are the
 * golden decoder layer's: `attn_norm.weight`, `attn.*`, `ffn_norm.weight`, `ffn.w_g|w_1|w_2.weight`.
 */
import { add, type RotaryStyle } from '../ops/index.js';
import { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { MultiheadAttention } from './attention.js';
import { DiffAttnV2 } from './diff-attention-v2.js';
import { MultiheadDiffAttn, type GqaPairing } from './diff-attention.js';
import { prefixTrace, type Trace } from './trace.js';
import { Module } from './module.js';
import { RMSNorm } from './rmsnorm.js';
import type { RopeTables } from './rotary.js';
import { SwiGLU } from './swiglu.js';

export type AttentionKind = 'diff_v1' | 'diff_v2' | 'baseline';

/** Everything a layer needs; the LM passes one of these per layer with its own `depth`. */
export interface DecoderLayerConfig {
  attention: AttentionKind;
  dModel: number;
  /** diff_v1: differential heads; diff_v2: output heads (2× query heads); baseline: heads. */
  numHeads: number;
  numKvHeads?: number;
  /** diff_v1: q/k head size (values 2×); others: head size. Defaults as in each module. */
  headDim?: number;
  ffnHidden: number;
  /** 0-based layer index (λinit of diff_v1). */
  depth: number;
  /** ε of the two pre-norms. */
  normEps?: number;
  pairing?: GqaPairing;
  sublnEps?: number;
  sublnAffine?: boolean;
  ropeStyle?: RotaryStyle;
}

export type Attention = MultiheadDiffAttn | DiffAttnV2 | MultiheadAttention;

/** Builds the attention module a layer config names. */
export function makeAttention(c: DecoderLayerConfig, rng: Rng): Attention {
  const common = { numHeads: c.numHeads, numKvHeads: c.numKvHeads, ropeStyle: c.ropeStyle };
  switch (c.attention) {
    case 'diff_v1':
      return new MultiheadDiffAttn({ ...common, embedDim: c.dModel, headDim: c.headDim, depth: c.depth, pairing: c.pairing, sublnEps: c.sublnEps, sublnAffine: c.sublnAffine }, rng);
    case 'diff_v2':
      return new DiffAttnV2({ ...common, dModel: c.dModel, headDim: c.headDim ?? c.dModel / c.numHeads }, rng);
    case 'baseline':
      return new MultiheadAttention({ ...common, embedDim: c.dModel, headDim: c.headDim }, rng);
  }
}

export class DecoderLayer extends Module {
  readonly attn_norm: RMSNorm;
  readonly attn: Attention;
  readonly ffn_norm: RMSNorm;
  readonly ffn: SwiGLU;

  constructor(readonly config: DecoderLayerConfig, rng = new Rng(0)) {
    super();
    const eps = config.normEps ?? 1e-5;
    this.attn_norm = this.child('attn_norm', new RMSNorm(config.dModel, eps));
    this.attn = this.child('attn', makeAttention(config, rng));
    this.ffn_norm = this.child('ffn_norm', new RMSNorm(config.dModel, eps));
    this.ffn = this.child('ffn', new SwiGLU(config.dModel, config.ffnHidden, rng));
  }

  // x: [B, T, C] → [B, T, C]
  forward(x: Tensor, rope: RopeTables, trace?: Trace): Tensor {
    const n1 = this.attn_norm.forward(x);
    const a = this.attn.forward(n1, rope, prefixTrace(trace, 'attn.'));
    const h = add(x, a);
    const n2 = this.ffn_norm.forward(h);
    const f = this.ffn.forward(n2, prefixTrace(trace, 'ffn_'));
    trace?.set('attn_norm_out', n1).set('attn_out', a).set('h', h).set('ffn_norm_out', n2).set('ffn_out', f);
    return add(h, f);
  }
}
