/**
 * The option table of the golden format (README §2–§6) as synthetic cases: every kind with MQA, odd
 * group sizes, partial rotary, yoco_linspace, non-interleaved rotary, stress λ, V2 with
 * d_model ≠ H·d, baseline_v2 and T = 1. V1 options run for both pairings; sizes are the smallest
 * that exhibit each. Shared by the reference's and the engine's option tests.
 */
import type { SyntheticSpec } from './independent/make-golden.js';

type Options = Omit<SyntheticSpec, 'name' | 'kind'>;
const V1_OPTIONS: Array<[string, Options]> = [
  ['MQA (H 4, Hkv 1, n_rep 4)', { embedDim: 32, numHeads: 4, numKvHeads: 1, headDim: 4, batch: 2, seqLen: 6 }],
  ['odd n_rep 3 (H 3, Hkv 1)', { embedDim: 24, numHeads: 3, numKvHeads: 1, headDim: 4, seqLen: 6, seed: 2 }],
  ['partial rotary (d 8, r 4)', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, rotaryDim: 4, seed: 3 }],
  ['yoco_linspace, θ 5e5', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, ropeSchedule: 'yoco_linspace', ropeTheta: 5e5, seqLen: 9, seed: 4 }],
  ['non-interleaved, partial r 6', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, interleaved: false, rotaryDim: 6, seed: 5 }],
  ['negative λ (depth 1, x ×3)', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, lambdaStress: 'negative', depth: 1, xScale: 3, seed: 6 }],
  ['large λ (depth 11)', { embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, lambdaStress: 'positive', depth: 11, seed: 7 }],
  ['T = 1', { embedDim: 16, numHeads: 2, numKvHeads: 1, headDim: 4, seqLen: 1, batch: 2, seed: 8 }],
  ['small GQA with FD gradients', { embedDim: 16, numHeads: 2, numKvHeads: 1, headDim: 4, seqLen: 4, seed: 9, grads: true }],
];

export const OPTION_ROWS: SyntheticSpec[] = [
  ...V1_OPTIONS.flatMap(([label, o]) => (['diff_v1', 'diff_v1_flash1'] as const).map((kind) => ({ name: `${kind}: ${label}`, kind, ...o }))),
  { name: 'diff_v2: odd group (H 3, Hkv 2 → group 3)', kind: 'diff_v2', embedDim: 16, numHeads: 3, numKvHeads: 2, headDim: 4, seqLen: 7, seed: 10 },
  { name: 'diff_v2: d_model 24 ≠ H·d 32', kind: 'diff_v2', embedDim: 24, numHeads: 2, numKvHeads: 2, headDim: 16, batch: 2, seqLen: 4, seed: 11 },
  { name: 'diff_v2: MQA, λ_proj ×8, yoco θ 5e5', kind: 'diff_v2', embedDim: 16, numHeads: 2, numKvHeads: 1, headDim: 8, lambdaProjScale: 8, ropeSchedule: 'yoco_linspace', ropeTheta: 5e5, seed: 12 },
  { name: 'diff_v2: T = 1, non-interleaved', kind: 'diff_v2', embedDim: 16, numHeads: 2, numKvHeads: 2, headDim: 8, seqLen: 1, batch: 2, interleaved: false, seed: 13 },
  { name: 'diff_v2: odd group with FD gradients', kind: 'diff_v2', embedDim: 8, numHeads: 3, numKvHeads: 2, headDim: 4, seqLen: 4, seed: 14, grads: true },
  { name: 'baseline_v2: GQA (H 3, Hkv 1), d_model 20 ≠ H·d, partial r 4', kind: 'baseline_v2', embedDim: 20, numHeads: 3, numKvHeads: 1, headDim: 6, rotaryDim: 4, seed: 15 },
  { name: 'baseline_v2: small with FD gradients', kind: 'baseline_v2', embedDim: 8, numHeads: 3, numKvHeads: 1, headDim: 4, rotaryDim: 2, seqLen: 4, seed: 16, grads: true },
  { name: 'baseline: GQA (H 4, Hkv 2)', kind: 'baseline', embedDim: 32, numHeads: 4, numKvHeads: 2, headDim: 8, batch: 2, seqLen: 6, seed: 17 },
  { name: 'baseline: MQA, non-interleaved, yoco θ 5e5', kind: 'baseline', embedDim: 24, numHeads: 3, numKvHeads: 1, headDim: 8, interleaved: false, ropeSchedule: 'yoco_linspace', ropeTheta: 5e5, seed: 18 },
  { name: 'baseline: small GQA with FD gradients', kind: 'baseline', embedDim: 8, numHeads: 2, numKvHeads: 1, headDim: 4, seqLen: 4, seed: 19, grads: true },
  { name: 'decoder_layer_v1: GQA (H 2, Hkv 1)', kind: 'decoder_layer_v1', embedDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, ffnHidden: 48, batch: 2, seed: 20 },
  // r 2 with yoco_linspace: one frequency, linspace(0, 1, 1) = [0], where the README's j/(r/2 − 1) is 0/0.
  { name: 'decoder_layer_v1: odd n_rep 3, negative λ, yoco with r 2', kind: 'decoder_layer_v1', embedDim: 24, numHeads: 3, numKvHeads: 1, headDim: 4, rotaryDim: 2, ropeSchedule: 'yoco_linspace', ropeTheta: 5e5, ffnHidden: 40, lambdaStress: 'negative', seed: 21 },
  // E 16, not 8: with 8 channels the pre-norms' curvature put grad.x beyond FD's reach for 2 of 4 seeds tried.
  { name: 'decoder_layer_v1: small GQA with FD gradients', kind: 'decoder_layer_v1', embedDim: 16, numHeads: 2, numKvHeads: 1, headDim: 4, ffnHidden: 8, seqLen: 3, seed: 22, grads: true },
];
