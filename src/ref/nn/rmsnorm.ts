import { rmsnorm } from '../ops/index.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * RMSNorm over the last `dim` channels, x / √(mean(x²) + ε) ⊙ weight, with a learnable gain
 * initialised to ones (or no gain at all, as DiffLlama's per-head norm).
 */
export class RMSNorm extends Module {
  readonly weight: Tensor | null;

  constructor(readonly dim: number, readonly eps = 1e-5, affine = true) {
    super();
    this.weight = affine ? this.param('weight', new Tensor(new Float64Array(dim).fill(1), [dim])) : null;
  }

  // x: [..., dim] → [..., dim]
  forward(x: Tensor): Tensor {
    return rmsnorm(x, this.weight, this.eps);
  }
}
