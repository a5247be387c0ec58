import { check } from '../../errors.js';
import { Tensor, numel } from '../tensor.js';

/**
 * Same elements, new shape (row-major order is kept). One dimension may be −1 and is inferred.
 * Backward: the identity on the flat data, ∂L/∂x = ∂L/∂y viewed in x's shape.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  const inferred = shape.length - known.length;
  check(inferred <= 1, 'shape', () => `reshape: at most one dimension may be −1, got [${shape}]`);
  check(shape.every((d) => d === -1 || (Number.isInteger(d) && d >= 0)), 'shape', () =>
    `reshape: dimensions must be non-negative integers (or one −1), got [${shape}]`);
  const rest = numel(known);
  const full = shape.map((d) => (d === -1 ? (rest === 0 ? 0 : x.size / rest) : d));
  check(full.every(Number.isInteger) && numel(full) === x.size, 'shape', () =>
    `reshape: cannot view [${x.shape}] (${x.size} elements) as [${shape}]`);
  return Tensor.fromOp(x.data.slice(), full, 'reshape', [x], (g) => [g]);
}
