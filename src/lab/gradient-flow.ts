/**
 * Gradient flow at initialisation: DIFF V1 against a matched softmax-attention baseline.
 *
 * The paper argues that, thanks to the per-head norm and the fixed multiplier (1 − λinit) of
 * equation (3), the gradients of differential attention are of the same order as a Transformer's,
 * so its hyperparameters carry over. This measures the DIFF/baseline ratio of gradient norms
 * w.r.t. the input and each projection over many initialisations, next to the prediction of
 * `gradient-flow-theory.ts`, for the full module and for ablations of equation (3).
 *
 * Matched means: the same E = 2Hd; DIFF has H differential heads (2H query/key heads of size d,
 * values 2d per head), the baseline 2H softmax heads of size d. All four projections are E → E
 * in both, with the baseline's weights copied from the DIFF module, so the two differ only in
 * what the paper changes: map subtraction with λ, the per-head norm and (1 − λinit). (DIFF has 6d
 * more parameters: the four λ vectors and the norm gain.) Both see the same x, rope tables and g.
 */
import { check } from '../errors.js';
import { MultiheadAttention } from '../ref/nn/attention.js';
import { MultiheadDiffAttn, lambdaInit } from '../ref/nn/diff-attention.js';
import { mergeHeads } from '../ref/nn/heads.js';
import type { Module } from '../ref/nn/module.js';
import { ropeFrequencies, ropeTables, type RopeTables } from '../ref/nn/rotary.js';
import { scale } from '../ref/ops/index.js';
import { Rng } from '../ref/random.js';
import { Tensor } from '../ref/tensor.js';
import { GRADIENT_QUANTITIES, predictGradientRatios, type GradientQuantity, type HeadTail } from './gradient-flow-theory.js';

/** The DIFF module as published, and with one part of equation (3) removed. */
export type DiffVariant = 'full' | 'no_subln' | 'no_lambda_scale';

export const DIFF_VARIANTS: Readonly<Record<DiffVariant, HeadTail>> = {
  full: { subln: true, lambdaScale: true },
  no_subln: { subln: false, lambdaScale: true },
  no_lambda_scale: { subln: true, lambdaScale: false },
};

export interface GradientFlowConfig {
  /** E = 2·numHeads·headDim. */
  embedDim: number;
  /** H, differential heads; the baseline has 2H. */
  numHeads: number;
  seqLen: number;
  batch: number;
  /** 0-based layer indices; each sets λinit. */
  depths: readonly number[];
  variants: readonly DiffVariant[];
  /** Seeds firstSeed … firstSeed + numSeeds − 1; seed s draws the weights, then x, then g. */
  firstSeed: number;
  numSeeds: number;
  /** RoPE θ of the tables both modules read. */
  ropeTheta: number;
}

/** One cell of the table: the ratio DIFF/baseline of one gradient norm, over the seeds. */
export interface GradientFlowRow {
  depth: number;
  lambdaInit: number;
  variant: DiffVariant;
  quantity: GradientQuantity;
  /** From `predictGradientRatios`. */
  predicted: number;
  mean: number;
  /** Sample standard deviation over seeds (0 for a single seed). */
  std: number;
  min: number;
  max: number;
  seeds: number;
}

export interface GradientFlowResult {
  config: GradientFlowConfig;
  rows: GradientFlowRow[];
}

/** The configuration of the test and of the table in docs/gradient-flow.md. */
export const DEFAULT_GRADIENT_FLOW_CONFIG: GradientFlowConfig = {
  embedDim: 64,
  numHeads: 4,
  seqLen: 32,
  batch: 1,
  depths: [0, 1, 3, 7, 11],
  variants: ['full', 'no_subln', 'no_lambda_scale'],
  firstSeed: 1,
  numSeeds: 20,
  ropeTheta: 10000,
};

type GradientNorms = Record<GradientQuantity, number>;

/**
 * Runs the experiment: per seed and depth, one backward pass through the baseline and one per
 * DIFF variant, all with the same weights, x and g. Returns plain JSON-serialisable data.
 */
export function measureGradientFlow(config: GradientFlowConfig = DEFAULT_GRADIENT_FLOW_CONFIG): GradientFlowResult {
  const { embedDim: E, numHeads: H, seqLen: T, batch: B, numSeeds } = config;
  check(Number.isInteger(numSeeds) && numSeeds >= 1, 'value', () => `measureGradientFlow: numSeeds must be a positive integer, got ${numSeeds}`);
  const headDim = E / (2 * H);
  const rope = ropeTables(T, ropeFrequencies(headDim, config.ropeTheta));
  // ratios[depth][variant][quantity][seed]
  const ratios = config.depths.map(() => config.variants.map(() => GRADIENT_QUANTITIES.map(() => [] as number[])));

  for (let seed = config.firstSeed; seed < config.firstSeed + numSeeds; seed++) {
    let baseline: GradientNorms | undefined;
    config.depths.forEach((depth, i) => {
      // The same seed gives the same projections, x and g at every depth: λinit is all that moves.
      const rng = new Rng(seed);
      const diff = new MultiheadDiffAttn({ embedDim: E, numHeads: H, depth }, rng);
      const x = new Tensor(rng.normalArray(B * T * E, 1), [B, T, E], true);
      const g = rng.normalArray(B * T * E, 1);
      baseline ??= baselineNorms(diff, x, g, rope);
      const trace = new Map<string, Tensor>();
      diff.forward(x, rope, trace);
      const heads = trace.get('pre_subln')!; // equation (1), before equation (3)
      config.variants.forEach((variant, j) => {
        const norms = gradientNorms(diffTail(diff, heads, DIFF_VARIANTS[variant]), g, x, diff);
        GRADIENT_QUANTITIES.forEach((q, k) => ratios[i][j][k].push(norms[q] / baseline![q]));
      });
    });
  }

  const rows = config.depths.flatMap((depth, i) => config.variants.flatMap((variant, j) => {
    const predicted = predictGradientRatios(T, headDim, lambdaInit(depth), DIFF_VARIANTS[variant]);
    return GRADIENT_QUANTITIES.map((quantity, k): GradientFlowRow =>
      ({ depth, lambdaInit: lambdaInit(depth), variant, quantity, predicted: predicted[quantity], ...summary(ratios[i][j][k]) }));
  }));
  return { config, rows };
}

/**
 * Equation (3) with the parts `tail` keeps, then out_proj, from the module's own parameters.
 * With both parts kept this is exactly `MultiheadDiffAttn.forward`'s tail.
 * heads: [B, H, T, 2d] → [B, T, E]
 */
export function diffTail(attn: MultiheadDiffAttn, heads: Tensor, tail: HeadTail): Tensor {
  const normed = tail.subln ? attn.subln.forward(heads) : heads;
  const scaled = tail.lambdaScale ? scale(normed, 1 - attn.lambdaInit) : normed;
  return attn.out_proj.forward(mergeHeads(scaled));
}

// The matched baseline (projections copied from `diff`), run on the same x and g.
function baselineNorms(diff: MultiheadDiffAttn, x: Tensor, g: Float64Array, rope: RopeTables): GradientNorms {
  const { embedDim: E, numHeads: H } = diff.config;
  const baseline = new MultiheadAttention({ embedDim: E, numHeads: 2 * H, headDim: diff.headDim });
  baseline.loadStateDict(diff.stateDict(), { allowUnknown: true }); // all but λ and subln
  return gradientNorms(baseline.forward(x, rope), g, x, baseline);
}

// Backpropagates L = Σ y ⊙ g and reads ‖∂L/∂x‖ and each ‖∂L/∂W‖; leaves no gradient behind.
function gradientNorms(y: Tensor, g: Float64Array, x: Tensor, m: Module): GradientNorms {
  y.backward(g);
  const weights = m.stateDict();
  const norms = Object.fromEntries(GRADIENT_QUANTITIES.map((q) =>
    [q, l2(q === 'x' ? x.grad! : weights.get(`${q}.weight`)!.grad!)])) as GradientNorms;
  y.zeroGrad();
  return norms;
}

function l2(v: Float64Array): number {
  let s = 0;
  for (const a of v) s += a * a;
  return Math.sqrt(s);
}

function summary(v: readonly number[]): Pick<GradientFlowRow, 'mean' | 'std' | 'min' | 'max' | 'seeds'> {
  const n = v.length;
  const mean = v.reduce((s, a) => s + a, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, min: Math.min(...v), max: Math.max(...v), seeds: n };
}

/** The result as a Markdown table, with the configuration that reproduces it above it. */
export function formatGradientFlowTable(result: GradientFlowResult): string {
  const c = result.config;
  const f = (v: number): string => v.toFixed(3);
  const header = [
    `E = ${c.embedDim}, H = ${c.numHeads} (d = ${c.embedDim / (2 * c.numHeads)}), T = ${c.seqLen}, B = ${c.batch}, ` +
      `seeds ${c.firstSeed}–${c.firstSeed + c.numSeeds - 1}, RoPE θ = ${c.ropeTheta}; ratio = ‖∇DIFF‖ / ‖∇baseline‖`,
    '',
    '| depth | λinit | variant | gradient | predicted | mean | std | min | max |',
    '|---:|---:|:---|:---|---:|---:|---:|---:|---:|',
  ];
  const lines = result.rows.map((r) =>
    `| ${r.depth} | ${f(r.lambdaInit)} | ${r.variant} | ${r.quantity} | ${f(r.predicted)} | ${f(r.mean)} | ${f(r.std)} | ${f(r.min)} | ${f(r.max)} |`);
  return [...header, ...lines].join('\n');
}
