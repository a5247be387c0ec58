import type { Tensor } from '../tensor.js';
import { sigmoidOf } from './sigmoid.js';
import { unary } from './elementwise.js';

/**
 * SiLU (swish with β = 1): y = x·σ(x).
 * ∂y/∂x = σ(x) + x·σ(x)(1 − σ(x)) = σ(x)·(1 + x·(1 − σ(x))).
 */
export function silu(x: Tensor): Tensor {
  return unary(x, 'silu', (v) => v * sigmoidOf(v), (v) => {
    const s = sigmoidOf(v);
    return s * (1 + v * (1 - s));
  });
}
