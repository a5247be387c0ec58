/**
 * What `diffattn attention` shows, computed: one prompt through a model folder on the engine, then
 * head h of layer l as its two softmax maps, λ, and their difference map1 − λ·map2 (DIFF V1: one λ
 * per layer, equation (2); DIFF V2: λ_t = σ(Wλ·x_t) per query token; baseline: one map, no λ).
 */
import { check } from '../errors.js';
import { EngineModel } from '../engine/model/engine-model.js';
import type { LoadedModel, ModelConfig, Params } from '../model/index.js';
import { matmul, rmsnorm, sigmoid, Tensor, transpose } from '../ref/index.js';
import { layerLambdas } from '../model/lambda.js';

export interface AttentionView {
  kind: ModelConfig['attention'];
  layer: number;
  head: number;
  ids: number[];
  /** map1 (the only map of a baseline head), map2 and diff: [T, T] row-major, 0 above the diagonal. */
  map1: Float64Array;
  map2: Float64Array | null;
  diff: Float64Array | null;
  /** DIFF V1: the layer's λ; DIFF V2: λ_t of each query token; baseline: null. */
  lambda: number | number[] | null;
}

/**
 * Runs `ids` through the model (batch 1, context T = ids.length) and extracts head `head` of layer
 * `layer`. Throws naming --layer or --head when out of range.
 */
export async function attentionView(model: LoadedModel, ids: number[], layer: number, head: number): Promise<AttentionView> {
  const { config, params } = model;
  check(Number.isInteger(layer) && layer >= 0 && layer < config.numLayers, 'value', () =>
    `--layer: expected an integer in [0, ${config.numLayers - 1}] (the model has ${config.numLayers} layers), got ${layer}`);
  // numHeads counts differential heads for V1 and V2, plain heads for the baseline.
  check(Number.isInteger(head) && head >= 0 && head < config.numHeads, 'value', () =>
    `--head: expected an integer in [0, ${config.numHeads - 1}] (each layer has ${config.numHeads} ${config.attention === 'baseline' ? '' : 'differential '}heads), got ${head}`);
  const T = ids.length;
  const engine = await EngineModel.create(config, { batch: 1, maxContext: T, training: false, keepActivations: true });
  engine.loadParams(params);
  engine.forward(ids, 1, T);
  const maps = engine.attentionMaps(layer, 1, T); // [1, Hq, T, T]
  const map = (h: number): Float64Array => maps.slice(h * T * T, (h + 1) * T * T);
  if (config.attention === 'baseline') return { kind: config.attention, layer, head, ids, map1: map(head), map2: null, diff: null, lambda: null };

  // Query heads 2h and 2h+1 are maps 1 and 2 of differential head h.
  const map1 = map(2 * head), map2 = map(2 * head + 1);
  const lambda = config.attention === 'diff_v1'
    ? layerLambdas(config, params)![layer]
    : tokenLambdas(config, params, engine.hiddenStates(1, T)[layer], layer, head);
  const diff = new Float64Array(T * T);
  for (let t = 0; t < T; t++) {
    const l = typeof lambda === 'number' ? lambda : lambda[t];
    for (let u = 0; u <= t; u++) diff[t * T + u] = map1[t * T + u] - l * map2[t * T + u];
  }
  return { kind: config.attention, layer, head, ids, map1, map2, diff, lambda };
}

/**
 * DIFF V2's λ_t = σ(Wλ[head]·n1_t) with n1 = RMSNorm(x)·g the layer's normed input, in float64 from
 * the layer's input x (the engine's residual stream) and the folder's weights. x: [T, C] → [T]
 */
export function tokenLambdas(config: ModelConfig, params: Params, x: ArrayLike<number>, layer: number, head: number): number[] {
  const C = config.dModel;
  const T = x.length / C;
  const p = (name: string): Float64Array => params.get(`layers.${layer}.${name}`)!.data;
  const n1 = rmsnorm(new Tensor(Float64Array.from(x), [T, C]), new Tensor(p('attn_norm.weight'), [C]), config.normEps);
  const w = new Tensor(p('attn.lambda_proj.weight').slice(head * C, (head + 1) * C), [1, C]);
  return Array.from(sigmoid(matmul(n1, transpose(w, 0, 1))).data); // [T, 1]
}
