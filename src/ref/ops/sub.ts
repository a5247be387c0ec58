import type { Tensor } from '../tensor.js';
import { binary } from './elementwise.js';

/** y = a − b (broadcasting). ∂y/∂a = 1, ∂y/∂b = −1. */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 'sub', (x, y) => x - y, () => 1, () => -1);
}
