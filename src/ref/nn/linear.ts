import { matmul, transpose } from '../ops/index.js';
import { Rng } from '../random.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * `nn.Linear(in, out, bias=False)`: y = x Wᵀ with W stored [out, in] (PyTorch's layout, so
 * checkpoints load as they are). Initialised U(−1/√in, 1/√in) like PyTorch's default.
 */
export class Linear extends Module {
  readonly weight: Tensor;

  constructor(readonly inFeatures: number, readonly outFeatures: number, rng = new Rng(0)) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.param('weight', new Tensor(rng.uniformArray(outFeatures * inFeatures, -bound, bound), [outFeatures, inFeatures]));
  }

  // x: [..., in] → [..., out]
  forward(x: Tensor): Tensor {
    return matmul(x, transpose(this.weight, 0, 1));
  }
}
