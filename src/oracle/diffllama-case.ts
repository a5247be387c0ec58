/**
 * Golden files of the DiffLlama format (`diffllama-oracle/1`, described in
 * `test/fixtures/golden/diffllama/README.md`): attention modules (`diffllama_attn`) and model
 * folders (`diffllama_model`: `config.json` + `model.safetensors` + `golden.safetensors`). The
 * parameters are converted into the canonical layout at load time (`src/model/layouts`); results are
 * converted back (gradients by scatter-adding through the same row gathers) before comparison.
 */
import { DiffAttnError, check } from '../errors.js';
import type { F64Tensor, GoldenFile } from '../io/golden.js';
import { readSafetensors, toFloat64 } from '../io/safetensors.js';
import { diffLlamaAttention, type DiffLlamaAttnLayout } from '../model/layouts/diffllama.js';
import { diffLlamaModel, parseDiffLlamaConfig } from '../model/layouts/diffllama-model.js';
import { gatherParams, scatterGrads } from '../model/layouts/row-gather.js';
import { lambdaInit, ropeFrequencies, ropeTables } from '../ref/index.js';
import { intTensor, type GoldenCase, type Results } from './golden-case.js';

/** The companion files of a model folder, for `diffllama_model` golden files. */
export interface ModelFolderFiles {
  configJson: unknown;
  weights: Uint8Array;
}

export function parseDiffLlamaCase(f: GoldenFile, folder?: ModelFolderFiles): GoldenCase {
  const kind = f.str('kind');
  if (kind === 'diffllama_attn') return attentionCase(f);
  if (kind === 'diffllama_model') {
    if (!folder) {
      throw new DiffAttnError('missing', `${f.source}: a diffllama_model golden file is checked with its model folder (config.json, model.safetensors): pass the folder`);
    }
    return modelCase(f, folder);
  }
  throw new DiffAttnError('unsupported', `${f.source}: kind '${kind}' is not 'diffllama_attn' or 'diffllama_model'`);
}

function attentionCase(f: GoldenFile): GoldenCase {
  const dims = {
    hiddenSize: f.int('hidden_size'), numHeads: f.int('num_attention_heads'), numKvHeads: f.int('num_key_value_heads'),
    headDim: f.int('head_dim'), layerIdx: f.int('layer_idx'), rmsNormEps: f.num('rms_norm_eps'),
  };
  check(Math.abs(f.num('lambda_init') - lambdaInit(dims.layerIdx)) <= 1e-15, 'format', () =>
    `${f.source}: lambda_init ${f.str('lambda_init')} disagrees with layer_idx ${dims.layerIdx}`);
  const a = diffLlamaAttention(dims);
  const x = f.f64('x');
  check(x.shape.length === 3 && x.shape[2] === dims.hiddenSize, 'shape', () => `${f.source}: x must be [B, T, ${dims.hiddenSize}], got [${x.shape}]`);
  const T = x.shape[1];
  const d = dims.headDim;
  const params = gatherParams(a.layout, new Map([...a.sourceShapes.keys()].map((n) => [n, f.f64(n)])), a.sourceShapes);

  // DiffLlama's tables are [T, d] = cat(f, f); the canonical rotation needs one half, [T, d/2].
  const freqs = ropeFrequencies(d, f.num('rope_theta'));
  const rebuilt = ropeTables(T, freqs);
  const halfOf = (name: string): F64Tensor => {
    const t = f.f64(name);
    check(t.shape.length === 2 && t.shape[0] >= T && t.shape[1] === d, 'shape', () => `${f.source}: ${name} must be [≥${T}, ${d}], got [${t.shape}]`);
    return columns(t.data, t.shape[0], d, d / 2, (c) => c);
  };
  const doubled = (t: Float64Array): F64Tensor => columns(t, T, d / 2, d, (c) => c % (d / 2));
  const H = dims.numHeads, nRep = H / dims.numKvHeads;
  return {
    kind: 'diffllama_attn',
    module: { type: 'diff_v1', config: a.config },
    params,
    task: { type: 'module', x, gradY: f.f64('grad_y'), rope: { cos: halfOf('rope.cos'), sin: halfOf('rope.sin') } },
    inputs: new Set([...a.sourceShapes.keys(), 'x', 'grad_y', 'rope.positions']),
    derived: new Map([
      ['rope.cos', doubled(rebuilt.cos.data)], ['rope.sin', doubled(rebuilt.sin.data)], ['rope.inv_freq', { shape: [d / 2], data: freqs }],
      ['map.k_head_for_q_head', intTensor(Array.from({ length: H }, (_, h) => Math.floor(h / nRep)))],
      ['map.kv_heads_for_diff_head', intTensor(Array.from({ length: H / 2 }, (_, i) => [Math.floor(i / nRep), Math.floor((i + H / 2) / nRep)]).flat(), [H / 2, 2])],
    ]),
    toFile: (r) => attentionResultsToFile(r, a, H, dims.numKvHeads),
  };
}

// Canonical results → DiffLlama names and layouts (README §3.1).
function attentionResultsToFile(r: Results, a: DiffLlamaAttnLayout, H: number, Hkv: number): Results {
  const out: Results = new Map();
  const get = (n: string): F64Tensor => r.get(n)!;
  for (const n of ['y', 'grad.x', 'lambda_full', 'lambda_init']) if (r.has(n)) out.set(n, get(n));
  const grads = new Map([...r].filter(([n]) => n.startsWith('grad.')).map(([n, t]) => [n.slice(5), t]));
  for (const [n, g] of scatterGrads(a.layout, grads, a.sourceShapes)) out.set(`grad.${n}`, g);
  if (r.has('pre_subln')) out.set('pre_groupnorm', get('pre_subln'));
  if (r.has('post_subln')) out.set('post_groupnorm', get('post_subln'));
  if (r.has('pre_out_proj')) out.set('pre_o_proj', get('pre_out_proj'));
  if (r.has('attn1') && r.has('attn2')) {
    // attn_weights [B, H, T, T]: heads i < H/2 are map 1 of diff head i, the rest map 2.
    const [a1, a2] = [get('attn1'), get('attn2')];
    const [B, Hd, T] = a1.shape;
    const data = new Float64Array(B * 2 * Hd * T * T);
    const slab = Hd * T * T;
    for (let b = 0; b < B; b++) {
      data.set(a1.data.subarray(b * slab, (b + 1) * slab), 2 * b * slab);
      data.set(a2.data.subarray(b * slab, (b + 1) * slab), (2 * b + 1) * slab);
    }
    out.set('attn_weights', { shape: [B, 2 * Hd, T, T], data });
  }
  // q_rot [B, T, 2H', d] (canonical heads and channels) → [B, H, T, d] (DiffLlama's).
  const unpermute = (t: F64Tensor, heads: number, canonicalHead: (h: number) => number): F64Tensor => {
    const [B, T, Hc, d] = t.shape;
    const data = new Float64Array(B * heads * T * d);
    for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) for (let s = 0; s < T; s++) for (let f = 0; f < d; f++) {
      data[((b * heads + h) * T + s) * d + a.channelPerm[f]] = t.data[((b * T + s) * Hc + canonicalHead(h)) * d + f];
    }
    return { shape: [B, heads, T, d], data };
  };
  if (r.has('q_rot')) out.set('q_rot', unpermute(get('q_rot'), H, (h) => (h < H / 2 ? 2 * h : 2 * (h - H / 2) + 1)));
  if (r.has('k_rot')) out.set('k_rot', unpermute(get('k_rot'), Hkv, (j) => a.canonicalKHeadOf[j]));
  return out;
}

function modelCase(f: GoldenFile, folder: ModelFolderFiles): GoldenCase {
  const cfg = parseDiffLlamaConfig(folder.configJson);
  const m = diffLlamaModel(cfg);
  const file = readSafetensors(folder.weights);
  const unknown = [...file.tensors.keys()].filter((n) => !m.sourceShapes.has(n));
  check(unknown.length === 0, 'unknown', () => `model.safetensors: unknown parameters ${unknown.map((n) => `'${n}'`).join(', ')}`);
  const weights = new Map([...file.tensors].map(([n, t]) => [n, { shape: [...t.shape], data: toFloat64(t, n) }]));
  const ids = f.f64('input_ids');
  check(ids.shape.length === 2, 'shape', () => `${f.source}: input_ids must be [B, T], got [${ids.shape}]`);
  const steps = f.has('greedy_tokens') ? f.f64('greedy_tokens').shape[0] : 0;
  return {
    kind: 'diffllama_model',
    module: { type: 'lm', config: m.config },
    params: gatherParams(m.layout, weights, m.sourceShapes),
    task: { type: 'lm', ids: Array.from(ids.data), shape: [ids.shape[0], ids.shape[1]], greedySteps: steps },
    inputs: new Set(['input_ids']),
    derived: new Map([['rope.inv_freq', { shape: [cfg.headDim / 2], data: ropeFrequencies(cfg.headDim, cfg.ropeTheta) }]]),
    toFile: (r) => r,
  };
}

// A [rows, width] table whose column c is column col(c) of `src`, a [rows, srcWidth] table.
function columns(src: Float64Array, rows: number, srcWidth: number, width: number, col: (c: number) => number): F64Tensor {
  const data = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) data[r * width + c] = src[r * srcWidth + col(c)];
  return { shape: [rows, width], data };
}
