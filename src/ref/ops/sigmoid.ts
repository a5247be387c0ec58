import type { Tensor } from '../tensor.js';
import { unary } from './elementwise.js';

/** σ(x) = 1 / (1 + e^−x), written so neither branch overflows. */
export function sigmoidOf(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** y = σ(x). ∂y/∂x = σ(x)(1 − σ(x)) = y(1 − y). */
export function sigmoid(x: Tensor): Tensor {
  return unary(x, 'sigmoid', sigmoidOf, (_, y) => y * (1 - y));
}
