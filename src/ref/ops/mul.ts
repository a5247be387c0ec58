import type { Tensor } from '../tensor.js';
import { binary } from './elementwise.js';

/** y = a ⊙ b (broadcasting). ∂y/∂a = b, ∂y/∂b = a. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 'mul', (x, y) => x * y, (_, y) => y, (x) => x);
}
