/**
 * A whole Hugging Face DiffLlama checkpoint: its `config.json` validated into the canonical
 * `LMConfig`, and its parameter names (`model.layers.N.self_attn.q_proj.weight`, `mlp.gate_proj`,
 * `input_layernorm`, …) mapped onto the canonical ones as row gathers.
 */
import { DiffAttnError, check } from '../../errors.js';
import type { LMConfig } from '../../ref/index.js';
import { diffLlamaAttention } from './diffllama.js';
import type { Layout } from './row-gather.js';

/** The DiffLlamaConfig fields that determine the computation. */
export interface DiffLlamaConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
}

/** Validates a parsed `config.json`; every error names the field, the expected and the actual value. */
export function parseDiffLlamaConfig(json: unknown, source = 'config.json'): DiffLlamaConfig {
  check(typeof json === 'object' && json !== null && !Array.isArray(json), 'format', () => `${source}: expected a JSON object`);
  const c = json as Record<string, unknown>;
  const field = (k: string): unknown => (Object.hasOwn(c, k) ? c[k] : undefined);
  const int = (k: string, fallback?: number): number => {
    const v = field(k) ?? fallback;
    check(Number.isSafeInteger(v) && (v as number) > 0, 'format', () => `${source}: '${k}' must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const pos = (k: string, v: unknown): number => {
    check(typeof v === 'number' && Number.isFinite(v) && v > 0, 'format', () => `${source}: '${k}' must be a positive number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  check(field('model_type') === 'diffllama', 'format', () => `${source}: 'model_type' must be "diffllama", got ${JSON.stringify(field('model_type'))}`);
  check(field('attention_bias') !== true, 'unsupported', () => `${source}: 'attention_bias: true' (q/k/v/o biases) is not supported`);
  const act = field('hidden_act') ?? 'silu';
  check(act === 'silu', 'unsupported', () => `${source}: 'hidden_act' must be "silu", got ${JSON.stringify(act)}`);
  // transformers v5 folds rope_theta and rope_scaling into rope_parameters; both forms are read.
  const ropeParams = field('rope_parameters') as Record<string, unknown> | undefined;
  const scaling = (field('rope_scaling') ?? null) as Record<string, unknown> | null;
  const ropeType = ropeParams?.rope_type ?? scaling?.rope_type ?? scaling?.type ?? 'default';
  check(ropeType === 'default', 'unsupported', () => `${source}: rope scaling '${String(ropeType)}' is not supported (only the default RoPE)`);
  const hiddenSize = int('hidden_size');
  const numHeads = int('num_attention_heads');
  const config: DiffLlamaConfig = {
    vocabSize: int('vocab_size'), hiddenSize, intermediateSize: int('intermediate_size'), numLayers: int('num_hidden_layers'),
    numHeads, numKvHeads: int('num_key_value_heads', numHeads),
    headDim: int('head_dim', Number.isInteger(hiddenSize / numHeads) ? hiddenSize / numHeads : undefined),
    rmsNormEps: pos('rms_norm_eps', field('rms_norm_eps') ?? 1e-5),
    ropeTheta: pos('rope_theta', ropeParams?.rope_theta ?? field('rope_theta') ?? 10000),
    tieWordEmbeddings: field('tie_word_embeddings') === true,
  };
  check(numHeads % 2 === 0 && numHeads % config.numKvHeads === 0, 'format', () =>
    `${source}: num_attention_heads (${numHeads}) must be even and divisible by num_key_value_heads (${config.numKvHeads})`);
  return config;
}

export interface DiffLlamaModelLayout {
  config: LMConfig;
  layout: Layout;
  sourceShapes: Map<string, number[]>;
}

/** The canonical LM config and the name/row mapping of a DiffLlama checkpoint. */
export function diffLlamaModel(c: DiffLlamaConfig): DiffLlamaModelLayout {
  const E = c.hiddenSize, V = c.vocabSize, I = c.intermediateSize;
  const layout: Layout = new Map();
  const sourceShapes = new Map<string, number[]>();
  const direct = (name: string, source: string, shape: number[]): void => {
    layout.set(name, { source });
    sourceShapes.set(source, shape);
  };
  direct('embed.weight', 'model.embed_tokens.weight', [V, E]);
  let attentionConfig;
  for (let l = 0; l < c.numLayers; l++) {
    const src = `model.layers.${l}.`;
    const attn = diffLlamaAttention({ hiddenSize: E, numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: c.headDim, layerIdx: l, rmsNormEps: c.rmsNormEps });
    attentionConfig = attn.config;
    for (const [name, g] of attn.layout) layout.set(`layers.${l}.attn.${name}`, { ...g, source: `${src}self_attn.${g.source}` });
    for (const [name, shape] of attn.sourceShapes) sourceShapes.set(`${src}self_attn.${name}`, shape);
    direct(`layers.${l}.attn_norm.weight`, `${src}input_layernorm.weight`, [E]);
    direct(`layers.${l}.ffn_norm.weight`, `${src}post_attention_layernorm.weight`, [E]);
    direct(`layers.${l}.ffn.w_g.weight`, `${src}mlp.gate_proj.weight`, [I, E]);
    direct(`layers.${l}.ffn.w_1.weight`, `${src}mlp.up_proj.weight`, [I, E]);
    direct(`layers.${l}.ffn.w_2.weight`, `${src}mlp.down_proj.weight`, [E, I]);
  }
  direct('norm.weight', 'model.norm.weight', [E]);
  if (!c.tieWordEmbeddings) direct('lm_head.weight', 'lm_head.weight', [V, E]);
  if (!attentionConfig) throw new DiffAttnError('value', 'DiffLlama: num_hidden_layers must be at least 1');
  return {
    config: {
      attention: 'diff_v1', vocabSize: V, dModel: E, numLayers: c.numLayers, numHeads: attentionConfig.numHeads,
      numKvHeads: attentionConfig.numKvHeads, headDim: c.headDim, ffnHidden: I, normEps: c.rmsNormEps, pairing: 'paper',
      sublnEps: c.rmsNormEps, sublnAffine: false, ropeStyle: 'interleaved', rotaryDim: c.headDim, ropeTheta: c.ropeTheta,
      ropeSchedule: 'standard', tieEmbeddings: c.tieWordEmbeddings,
    },
    layout, sourceShapes,
  };
}

/** What a DiffLlama config.json holds beyond `DiffLlamaConfig`. */
export interface DiffLlamaConfigExtras {
  maxPositionEmbeddings: number;
  /** `torch_dtype`: float32, float16, bfloat16 or float64. */
  torchDtype: string;
  bosTokenId?: number;
  eosTokenId?: number;
}

/**
 * The config.json that Hugging Face's `save_pretrained` writes for `c` (keys sorted), the inverse
 * of `parseDiffLlamaConfig`. Special ids the model does not know are written as null rather than
 * left to DiffLlamaConfig's defaults (1 and 2), which would name tokens of some other vocabulary.
 */
export function diffLlamaConfigJson(c: DiffLlamaConfig, extras: DiffLlamaConfigExtras): Record<string, unknown> {
  return {
    architectures: ['DiffLlamaForCausalLM'], attention_bias: false, attention_dropout: 0.0,
    bos_token_id: extras.bosTokenId ?? null, eos_token_id: extras.eosTokenId ?? null, head_dim: c.headDim, hidden_act: 'silu',
    hidden_size: c.hiddenSize, initializer_range: 0.02, intermediate_size: c.intermediateSize, lambda_std_dev: 0.1,
    max_position_embeddings: extras.maxPositionEmbeddings, model_type: 'diffllama', num_attention_heads: c.numHeads,
    num_hidden_layers: c.numLayers, num_key_value_heads: c.numKvHeads, rms_norm_eps: c.rmsNormEps, rope_scaling: null,
    rope_theta: c.ropeTheta, tie_word_embeddings: c.tieWordEmbeddings, torch_dtype: extras.torchDtype, use_cache: true,
    vocab_size: c.vocabSize,
  };
}
