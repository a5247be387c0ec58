/**
 * `DiffTransformerLM`: token embedding → L decoder layers (layer l has depth l, which sets its
 * λinit) → final RMSNorm → LM head (optionally tied to the embedding) → next-token cross-entropy.
 * Parameter names: `embed.weight`, `layers.<l>.<decoder layer names>`, `norm.weight`,
 * `lm_head.weight` (absent when tied).
 */
import { check } from '../../errors.js';
import { crossEntropy, embedding, matmul, reshape, transpose, type RotaryStyle } from '../ops/index.js';
import { Rng } from '../random.js';
import { Tensor } from '../tensor.js';
import { DecoderLayer, type DecoderLayerConfig } from './decoder-layer.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { RMSNorm } from './rmsnorm.js';
import { ropeFrequencies, ropeTables, type RopeSchedule } from './rotary.js';
import { prefixTrace, type Trace } from './trace.js';

export interface LMConfig extends Omit<DecoderLayerConfig, 'depth'> {
  vocabSize: number;
  numLayers: number;
  /** Rotary dimension r ≤ the q/k head size; default the whole head. */
  rotaryDim?: number;
  ropeTheta?: number;
  ropeSchedule?: RopeSchedule;
  ropeStyle?: RotaryStyle;
  /** Share the embedding matrix with the LM head. */
  tieEmbeddings?: boolean;
}

export class DiffTransformerLM extends Module {
  readonly embed: Tensor;
  readonly layers: DecoderLayer[];
  readonly norm: RMSNorm;
  readonly lm_head: Linear | null;
  private readonly freqs: Float64Array;

  constructor(readonly config: LMConfig, rng = new Rng(0)) {
    super();
    const { vocabSize: V, dModel: C, numLayers: L } = config;
    check([V, C, L].every((v) => Number.isInteger(v) && v > 0), 'value', () =>
      `DiffTransformerLM: vocabSize, dModel and numLayers must be positive integers, got ${V}, ${C}, ${L}`);
    // PyTorch's nn.Embedding default init, N(0, 1).
    this.embed = this.param('embed.weight', new Tensor(rng.normalArray(V * C, 1), [V, C]));
    this.layers = Array.from({ length: L }, (_, l) => this.child(`layers.${l}`, new DecoderLayer({ ...config, depth: l }, rng)));
    this.norm = this.child('norm', new RMSNorm(C, config.normEps ?? 1e-5));
    this.lm_head = config.tieEmbeddings ? null : this.child('lm_head', new Linear(C, V, rng));
    this.freqs = ropeFrequencies(config.rotaryDim ?? qkHeadDim(config), config.ropeTheta ?? 10000, config.ropeSchedule);
  }

  // ids: [B, T] integers in [0, V) → logits: [B, T, V]
  forward(ids: ArrayLike<number>, shape: readonly [number, number], trace?: Trace): Tensor {
    const [, T] = shape;
    const rope = ropeTables(T, this.freqs);
    let h = embedding(this.embed, ids, shape);
    this.layers.forEach((layer, l) => {
      trace?.set(`hidden_states.${l}`, h);
      h = layer.forward(h, rope, prefixTrace(trace, `layers.${l}.`));
    });
    h = this.norm.forward(h);
    trace?.set(`hidden_states.${this.layers.length}`, h);
    return this.lm_head ? this.lm_head.forward(h) : matmul(h, transpose(this.embed, 0, 1));
  }

  /**
   * Mean next-token cross-entropy: position t of each row predicts token t+1 (the last position
   * predicts nothing), as Hugging Face's causal-LM loss with labels = input ids.
   * ids: [B, T] → [1]
   */
  loss(ids: ArrayLike<number>, shape: readonly [number, number]): Tensor {
    return nextTokenLoss(this.forward(ids, shape), ids);
  }
}

/**
 * Mean cross-entropy of next-token prediction: logits [B, T, V] at position t score token t+1 of
 * the same row; the last position of each row has no target (ignore index −100). → [1]
 */
export function nextTokenLoss(logits: Tensor, ids: ArrayLike<number>): Tensor {
  const [B, T, V] = logits.shape;
  const targets = Array.from({ length: B * T }, (_, p) => (p % T === T - 1 ? -100 : ids[p + 1]));
  return crossEntropy(reshape(logits, [B * T, V]), targets);
}

/** The q/k head size the rotary embedding acts on, per attention kind and its defaults. */
export function qkHeadDim(c: Omit<DecoderLayerConfig, 'depth'>): number {
  if (c.headDim !== undefined) return c.headDim;
  return c.attention === 'diff_v1' ? c.dModel / (2 * c.numHeads) : c.dModel / c.numHeads;
}
