/**
 * `config.json` of the `official` flavour: the constructor arguments of the Microsoft module that
 * computes each layer's attention, in its own snake_case names, plus what that code leaves to the
 * caller (vocabulary, layer count, FFN width, norm ε, rotary tables, tied head). `depth` is per
 * layer (the layer index), so it is not stored. The modules and what they fix:
 *
 * | attention_module       | attention | arguments                               | fixed by the code             |
 * | MultiheadDiffAttn      | diff_v1   | embed_dim, num_heads, num_kv_heads      | d = E/(2H), naive GQA pairing |
 * | MultiheadFlashDiff1    | diff_v1   | embed_dim, num_heads, num_kv_heads      | d = E/(2H), paper pairing     |
 * | MultiheadFlashDiffV2   | diff_v2   | d_model, num_heads, num_kv_heads, head_dim, use_diff_v2 |         |
 * | MultiheadAttention     | baseline  | embed_dim, num_heads, num_kv_heads      | d = E/H                       |
 *
 * All use interleaved RoPE and (V1) a per-head RMSNorm with a gain; the V1 code hard-codes its ε to
 * 1e-5, which `subln_eps` records when a converted model needs another value.
 */
import { check } from '../errors.js';
import { validateConfig, type ModelConfig } from './config.js';
import { JsonFields } from './folder-json.js';
import { TOKENIZER_FILE, type TokenizerRef } from './folder.js';

export const OFFICIAL_MODULES = ['MultiheadDiffAttn', 'MultiheadFlashDiff1', 'MultiheadFlashDiffV2', 'MultiheadAttention'] as const;
export type OfficialModule = (typeof OFFICIAL_MODULES)[number];

/** The official module computing a config's attention. */
export function officialModule(c: ModelConfig): OfficialModule {
  switch (c.attention) {
    case 'diff_v1': return c.pairing === 'naive' ? 'MultiheadDiffAttn' : 'MultiheadFlashDiff1';
    case 'diff_v2': return 'MultiheadFlashDiffV2';
    case 'baseline': return 'MultiheadAttention';
  }
}

/**
 * The config.json object of a model already in the official form (interleaved RoPE, V1 with a
 * subln gain: `toOfficial` in export.ts rewrites any model into it). Throws 'unsupported' when the
 * official module cannot have the model's head size.
 */
export function officialConfigJson(c: ModelConfig, tokenizer: TokenizerRef): Record<string, unknown> {
  check(c.ropeStyle === 'interleaved' && (c.attention !== 'diff_v1' || c.sublnAffine), 'value', () =>
    'officialConfigJson: the config must be in official form (interleaved RoPE, subln gain); export with toOfficial');
  const module = officialModule(c);
  const derived = c.attention === 'diff_v1' ? c.dModel / (2 * c.numHeads) : c.dModel / c.numHeads;
  check(c.attention === 'diff_v2' || c.headDim === derived, 'unsupported', () =>
    `${module} derives head_dim = ${c.attention === 'diff_v1' ? 'embed_dim/(2·num_heads)' : 'embed_dim/num_heads'} = ${derived}, but the model's headDim is ${c.headDim}: no official config can hold it (save it as diffattn)`);
  const attention = c.attention === 'diff_v2'
    ? { d_model: c.dModel, num_heads: c.numHeads, num_kv_heads: c.numKvHeads, head_dim: c.headDim, use_diff_v2: true }
    : { embed_dim: c.dModel, num_heads: c.numHeads, num_kv_heads: c.numKvHeads, ...(c.attention === 'diff_v1' ? { subln_eps: c.sublnEps } : {}) };
  return {
    attention_module: module, ...attention,
    rotary_dim: c.rotaryDim, rope_theta: c.ropeTheta, rope_schedule: c.ropeSchedule,
    vocab_size: c.vocabSize, num_layers: c.numLayers, ffn_hidden: c.ffnHidden, norm_eps: c.normEps,
    tie_embeddings: c.tieEmbeddings, max_context: c.maxContext, tokenizer,
  };
}

/** Reads and validates an official config.json; errors name the file and the key. */
export function parseOfficialConfig(json: unknown, source: string): { config: ModelConfig; tokenizer: TokenizerRef } {
  const f = new JsonFields(source, json);
  const module = f.oneOf('attention_module', OFFICIAL_MODULES);
  const v2 = module === 'MultiheadFlashDiffV2';
  const width = v2 ? 'd_model' : 'embed_dim';
  const E = f.int(width);
  const H = f.int('num_heads');
  const Hkv = f.int('num_kv_heads', H); // the official default None means one kv head per head
  const attention = v2 ? 'diff_v2' : module === 'MultiheadAttention' ? 'baseline' : 'diff_v1';
  if (v2 && !f.bool('use_diff_v2', true)) {
    f.bad('use_diff_v2', 'true (a language model layer with use_diff_v2 = false is MultiheadAttention)', false);
  }
  const queryHeads = v2 ? 2 * H : H;
  if (queryHeads % Hkv !== 0) f.bad('num_kv_heads', `a divisor of ${v2 ? `the ${queryHeads} query heads` : `num_heads (${H})`}`);
  const split = attention === 'diff_v1' ? 2 * H : H;
  if (!v2 && E % split !== 0) f.bad(width, `divisible by ${attention === 'diff_v1' ? `2·num_heads (${split})` : `num_heads (${H})`}`);
  const headDim = v2 ? f.int('head_dim') : E / split;
  const rotaryDim = f.int('rotary_dim', headDim);
  if (rotaryDim % 2 !== 0 || rotaryDim > headDim) f.bad('rotary_dim', `even and ≤ the head size ${headDim}`);
  const config: ModelConfig = {
    attention, vocabSize: f.int('vocab_size'), dModel: E, numLayers: f.int('num_layers'), numHeads: H, numKvHeads: Hkv, headDim,
    ffnHidden: f.int('ffn_hidden'), rotaryDim, ropeTheta: f.num('rope_theta', 10000, { min: 0, minExclusive: true }),
    ropeSchedule: f.oneOf('rope_schedule', ['standard', 'yoco_linspace'], 'standard'), ropeStyle: 'interleaved',
    normEps: f.num('norm_eps', 1e-5, { min: 0, max: 1 }), sublnEps: attention === 'diff_v1' ? f.num('subln_eps', 1e-5, { min: 0, max: 1 }) : 1e-5,
    sublnAffine: true, pairing: module === 'MultiheadDiffAttn' ? 'naive' : 'paper',
    tieEmbeddings: f.bool('tie_embeddings', false), maxContext: f.int('max_context', 2048),
  };
  const tokenizer = f.has('tokenizer') ? f.oneOf('tokenizer', ['bytes', TOKENIZER_FILE]) : null;
  f.rejectUnknown();
  validateConfig(config, source);
  return { config, tokenizer };
}
