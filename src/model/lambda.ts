/**
 * λ of each DIFF V1 layer from its weights (training log, inspect, attention maps): equation (2),
 *   λ = exp(λq1 · λk1) − exp(λq2 · λk2) + λinit(depth),
 * one scalar per layer (every head of a layer shares it, so the mean over heads is λ itself).
 */
import type { ModelConfig } from './config.js';
import { lambdaInit } from '../ref/index.js';

/** The four λ vectors of layer l. */
export function lambdaParamNames(l: number): string[] {
  return ['lambda_q1', 'lambda_k1', 'lambda_q2', 'lambda_k2'].map((n) => `layers.${l}.attn.${n}`);
}

/** Parameter values by canonical name: bare arrays (the engine's export) or `{ data }` (a folder's `Params`). */
export type LambdaSource = ReadonlyMap<string, ArrayLike<number> | { readonly data: ArrayLike<number> }>;

/**
 * λ of every layer of a diff_v1 model, from parameters by canonical name; undefined for the other
 * attention kinds (V2's λ depends on each token, not on the weights alone).
 */
export function layerLambdas(config: ModelConfig, params: LambdaSource): number[] | undefined {
  if (config.attention !== 'diff_v1') return undefined;
  return Array.from({ length: config.numLayers }, (_, l) => {
    const [q1, k1, q2, k2] = lambdaParamNames(l).map((n) => {
      const p = params.get(n)!;
      return 'data' in p ? p.data : p;
    });
    return Math.exp(dot(q1, k1)) - Math.exp(dot(q2, k2)) + lambdaInit(l);
  });
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
