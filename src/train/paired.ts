/**
 * Paired models for a fair comparison: a DIFF V1 model, the baseline Transformer the paper
 * compares it with, and DIFF V2, all of (nearly) one parameter count, initialised from one seed so
 * that every tensor they share starts with identical values.
 *
 * Sizes (per layer, model width C, H differential heads of q/k size d, values 2d):
 *   DIFF V1:   q, k, v: [2Hd, C], out: [C, 2Hd]; λq1, λk1, λq2, λk2: [d]; per-head norm gain [2d]
 *   baseline:  2H heads of size d: q, k, v: [2Hd, C], out: [C, 2Hd]   (the paper's "half the heads")
 *   DIFF V2:   2H output heads of size d over 4H query heads and H KV heads: q: [4Hd, C],
 *              k, v: [Hd, C], o: [C, 2Hd]; λ projection [2H, C]
 * so the four projections hold 8HdC parameters in each arm; DIFF V1 adds 6d per layer, V2 adds 2HC
 * per layer (its λ projection). V2 doubles the query heads, as its authors do, and pays for them
 * by halving the KV heads; the output heads and their size stay the baseline's.
 */
import { check } from '../errors.js';
import { resolveConfig, type ModelConfig } from '../model/config.js';
import type { F64Tensor } from '../io/golden.js';
import { DiffTransformerLM, Rng, type AttentionKind } from '../ref/index.js';

/** The arms of a comparison. */
export const ARMS = ['diff', 'baseline', 'v2'] as const;
export type Arm = (typeof ARMS)[number];

/** The attention each arm runs. */
export const ARM_ATTENTION: Readonly<Record<Arm, AttentionKind>> = { diff: 'diff_v1', baseline: 'baseline', v2: 'diff_v2' };

/** One size description that fixes all three arms. */
export interface ModelSize {
  vocabSize: number;
  dModel: number;
  numLayers: number;
  /** H: differential heads of DIFF V1 (the baseline and V2 have 2H output heads). */
  numHeads: number;
  /** d: the q/k head size of every arm (DIFF V1's values are 2d); default dModel / (2H). */
  headDim?: number;
  ffnHidden: number;
  maxContext: number;
}

/** The config of each arm for one size (see the file comment for the shapes). */
export function pairedConfigs(size: ModelSize): Record<Arm, ModelConfig> {
  const { numHeads: H, dModel } = size;
  check(Number.isSafeInteger(H) && H >= 1, 'value', () => `pairedConfigs: numHeads must be an integer ≥ 1, got ${H}`);
  const d = size.headDim ?? dModel / (2 * H);
  check(Number.isSafeInteger(d) && d >= 2 && d % 2 === 0, 'value', () =>
    `pairedConfigs: the head size d must be an even integer ≥ 2 (rotary pairs), got ${d}${size.headDim === undefined ? ` (dModel / 2·numHeads = ${dModel} / ${2 * H})` : ''}`);
  const common = {
    vocabSize: size.vocabSize, dModel, numLayers: size.numLayers, ffnHidden: size.ffnHidden, maxContext: size.maxContext, headDim: d,
  };
  return {
    diff: resolveConfig({ ...common, attention: 'diff_v1', numHeads: H }),
    baseline: resolveConfig({ ...common, attention: 'baseline', numHeads: 2 * H }),
    v2: resolveConfig({ ...common, attention: 'diff_v2', numHeads: 2 * H, numKvHeads: H }),
  };
}

/** A freshly initialised model of one arm. Values are float32-representable (engine == reference at step 0). */
export interface ArmInit {
  arm: Arm;
  config: ModelConfig;
  params: Map<string, F64Tensor>;
}

/**
 * Initial parameters of `arms` at one `size` from `seed`. Every tensor is drawn by the reference
 * modules' own initialisers (`new DiffTransformerLM(config, new Rng(seed))`); then each tensor
 * the baseline also has with the same shape (embedding, norms, q/k/v/out projections of V1, the
 * output projection of V2, the feed-forward blocks, the LM head) is replaced by the baseline's,
 * so those are bitwise identical in every arm whatever `arms` holds. What differs: λ vectors and
 * the per-head norm gain (V1); q, k, v and the λ projection (V2).
 */
export function pairedInit(arms: readonly Arm[], size: ModelSize, seed: number): ArmInit[] {
  check(arms.length > 0 && arms.every((a) => (ARMS as readonly string[]).includes(a)), 'value', () =>
    `pairedInit: arms must be a non-empty list of ${ARMS.join(', ')}, got ${JSON.stringify(arms)}`);
  check(new Set(arms).size === arms.length, 'value', () => `pairedInit: arms must not repeat, got ${JSON.stringify(arms)}`);
  const configs = pairedConfigs(size);
  const draw = (config: ModelConfig): Map<string, F64Tensor> =>
    new Map(new DiffTransformerLM(config, new Rng(seed)).namedParameters().map(([n, p]) => [n, { shape: [...p.shape], data: p.data.map(Math.fround) }]));
  const shared = draw(configs.baseline);
  return arms.map((arm) => {
    const own = arm === 'baseline' ? shared : draw(configs[arm]);
    const params = new Map([...own].map(([name, t]): [string, F64Tensor] => {
      const s = shared.get(sharedName(name));
      return [name, s && sameShape(s.shape, t.shape) ? { shape: [...s.shape], data: s.data.slice() } : t];
    }));
    return { arm, config: configs[arm], params };
  });
}

/** The name of a parameter's counterpart in the baseline (V2 calls the output projection o_proj). */
function sharedName(name: string): string {
  return name.replace(/\.attn\.o_proj\.weight$/, '.attn.out_proj.weight');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
