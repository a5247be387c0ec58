import { Tensor, axisIndex } from '../tensor.js';
import { scale } from './scale.js';
import { sum } from './sum.js';

/**
 * Mean over one axis (or everything): sum, then scale by 1/n. Its backward is the composition,
 * ∂L/∂x_i = ∂L/∂y / n.
 */
export function mean(x: Tensor, axis?: number, keepDim = false): Tensor {
  const n = axis === undefined ? x.size : x.shape[axisIndex(axis, x.ndim, 'mean')];
  return scale(sum(x, axis, keepDim), 1 / n);
}
