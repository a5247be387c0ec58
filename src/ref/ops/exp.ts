import type { Tensor } from '../tensor.js';
import { unary } from './elementwise.js';

/** y = exp(x). ∂y/∂x = exp(x) = y. */
export function exp(x: Tensor): Tensor {
  return unary(x, 'exp', Math.exp, (_, y) => y);
}
