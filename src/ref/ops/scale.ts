import type { Tensor } from '../tensor.js';
import { unary } from './elementwise.js';

/** y = c·x for a constant c (not a tensor: no gradient flows to it). ∂y/∂x = c. */
export function scale(x: Tensor, c: number): Tensor {
  return unary(x, 'scale', (v) => c * v, () => c);
}
