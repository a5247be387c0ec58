import type { Tensor } from '../tensor.js';
import { unary } from './elementwise.js';

/** y = ln(x). ∂y/∂x = 1/x. */
export function log(x: Tensor): Tensor {
  return unary(x, 'log', Math.log, (v) => 1 / v);
}
