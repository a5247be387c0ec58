/**
 * Rotary position embedding tables. The attention modules take the tables from their caller (as
 * the official modules take `rel_pos`); these builders make them the two ways the official code
 * base does.
 */
import { check } from '../../errors.js';
import { Tensor } from '../tensor.js';

/** `standard`: ω_j = θ^(−2j/r) (LLaMA, flash-attn). `yoco_linspace`: ω_j = θ^(−j/(r/2 − 1)) (unilm YOCO). */
export type RopeSchedule = 'standard' | 'yoco_linspace';

/** cos and sin of t·ω_j, each [T, r/2]: row t is position t. */
export interface RopeTables {
  cos: Tensor;
  sin: Tensor;
}

/** The r/2 rotation frequencies ω_j for rotary dimension r. */
export function ropeFrequencies(rotaryDim: number, theta: number, schedule: RopeSchedule = 'standard'): Float64Array {
  check(Number.isInteger(rotaryDim) && rotaryDim >= 2 && rotaryDim % 2 === 0, 'value', () =>
    `ropeFrequencies: rotaryDim must be an even integer ≥ 2, got ${rotaryDim}`);
  check(Number.isFinite(theta) && theta > 0, 'value', () => `ropeFrequencies: theta must be a positive number, got ${theta}`);
  const half = rotaryDim / 2;
  return Float64Array.from({ length: half }, (_, j) => {
    // linspace(0, 1, half)[j]; a single frequency is linspace(0, 1, 1) = [0].
    const exponent = schedule === 'standard' ? (2 * j) / rotaryDim : half === 1 ? 0 : j / (half - 1);
    return 1 / Math.pow(theta, exponent);
  });
}

/** Tables for positions offset … offset + T − 1. */
export function ropeTables(T: number, freqs: Float64Array, offset = 0): RopeTables {
  const half = freqs.length;
  const cos = new Float64Array(T * half);
  const sin = new Float64Array(T * half);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < half; j++) {
      cos[t * half + j] = Math.cos((t + offset) * freqs[j]);
      sin[t * half + j] = Math.sin((t + offset) * freqs[j]);
    }
  }
  return { cos: new Tensor(cos, [T, half]), sin: new Tensor(sin, [T, half]) };
}
