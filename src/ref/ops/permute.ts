import { check } from '../../errors.js';
import { Tensor, axisIndex, stridesOf } from '../tensor.js';
import { stridedIndex } from './strided.js';

/**
 * Reorders axes: y has shape [x.shape[order[0]], x.shape[order[1]], …] and
 * y[i_0, i_1, …] = x[j] where j puts i_k at axis order[k].
 * Backward: the inverse permutation moves each gradient element back to where it came from.
 */
export function permute(x: Tensor, order: readonly number[]): Tensor {
  check(order.length === x.ndim && new Set(order.map((a) => axisIndex(a, x.ndim, 'permute'))).size === x.ndim,
    'shape', () => `permute: order [${order}] is not a permutation of the ${x.ndim} axes of [${x.shape}]`);
  const axes = order.map((a) => axisIndex(a, x.ndim, 'permute'));
  const shape = axes.map((a) => x.shape[a]);
  const xs = stridesOf(x.shape);
  const src = stridedIndex(shape, axes.map((a) => xs[a]));
  const y = new Float64Array(x.size);
  for (let i = 0; i < y.length; i++) y[i] = x.data[src[i]];
  return Tensor.fromOp(y, shape, 'permute', [x], (g) => {
    const gx = new Float64Array(x.size);
    for (let i = 0; i < g.length; i++) gx[src[i]] = g[i];
    return [gx];
  });
}

/** Swaps two axes (`transpose(x, -1, -2)` is the matrix transpose of each batch). */
export function transpose(x: Tensor, axisA: number, axisB: number): Tensor {
  const order = x.shape.map((_, i) => i);
  const a = axisIndex(axisA, x.ndim, 'transpose');
  const b = axisIndex(axisB, x.ndim, 'transpose');
  [order[a], order[b]] = [order[b], order[a]];
  return permute(x, order);
}
