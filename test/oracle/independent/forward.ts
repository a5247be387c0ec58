/**
 * The independent forward pass of every golden kind, and the scalar L = Σ y ⊙ grad_y whose
 * gradients the files store (README §5).
 */
import type { CaseConfig } from './config.js';
import { decoderForward } from './decoder.js';
import { diffV1Forward } from './diff-v1.js';
import type { RopeTables } from './primitives.js';
import { baselineForward, diffV2Forward } from './softmax-attention.js';
import type { ForwardResult, Params, Tensor } from './tensor.js';

export function independentForward(c: CaseConfig, p: Params, x: Tensor, rope: RopeTables): ForwardResult {
  switch (c.kind) {
    case 'diff_v1': return diffV1Forward(c, p, x, rope, 'naive');
    case 'diff_v1_flash1': return diffV1Forward(c, p, x, rope, 'flash');
    case 'diff_v2':
    case 'baseline_v2': return diffV2Forward(c, p, x, rope);
    case 'baseline': return baselineForward(c, p, x, rope);
    case 'decoder_layer_v1': return decoderForward(c, p, x, rope);
  }
}

/**
 * L = Σ y ⊙ grad_y, summed with Neumaier compensation: finite differences divide differences of
 * L by a small step, so every bit of round-off saved in L is accuracy gained in the gradient.
 */
export function lossOf(y: Tensor, gradY: Tensor): number {
  let sum = 0, compensation = 0;
  for (let i = 0; i < y.data.length; i++) {
    const term = y.data[i] * gradY.data[i];
    const next = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? (sum - next) + term : (term - next) + sum;
    sum = next;
  }
  return sum + compensation;
}
