import { check } from '../../errors.js';
import { Tensor, axisIndex } from '../tensor.js';
import { aroundAxis } from './strided.js';

/**
 * Joins tensors along `axis`; all other dimensions must agree.
 * Backward: each input receives its own slab of ∂L/∂y.
 */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  check(xs.length > 0, 'value', () => 'concat: needs at least one tensor');
  const first = xs[0];
  const ax = axisIndex(axis, first.ndim, 'concat');
  for (const [i, x] of xs.entries()) {
    check(x.ndim === first.ndim && x.shape.every((d, k) => k === ax || d === first.shape[k]), 'shape', () =>
      `concat: tensor ${i} has shape [${x.shape}], incompatible with [${first.shape}] along axis ${ax}`);
  }
  const sizes = xs.map((x) => x.shape[ax]);
  const total = sizes.reduce((p, d) => p + d, 0);
  const [outer, , inner] = aroundAxis(first.shape, ax);
  const shape = first.shape.map((d, k) => (k === ax ? total : d));
  const y = new Float64Array(outer * total * inner);
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((p, d) => p + d, 0));
  xs.forEach((x, i) => {
    const slab = sizes[i] * inner;
    for (let o = 0; o < outer; o++) y.set(x.data.subarray(o * slab, (o + 1) * slab), (o * total + starts[i]) * inner);
  });
  return Tensor.fromOp(y, shape, 'concat', xs, (g) =>
    xs.map((x, i) => {
      const slab = sizes[i] * inner;
      const gx = new Float64Array(x.size);
      for (let o = 0; o < outer; o++) gx.set(g.subarray((o * total + starts[i]) * inner, (o * total + starts[i]) * inner + slab), o * slab);
      return gx;
    }));
}
