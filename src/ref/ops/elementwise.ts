/**
 * The two shapes of elementwise op: unary `y = f(x)` and binary `y = f(a, b)` with NumPy
 * broadcasting. Each concrete op (exp.ts, mul.ts, …) only states its function and derivative.
 */
import { check } from '../../errors.js';
import { Tensor, stridesOf } from '../tensor.js';
import { stridedIndex } from './strided.js';

/**
 * y = f(x) elementwise.
 * Backward: ∂L/∂x_i = ∂L/∂y_i · f'(x_i); `df` receives x_i and y_i so it can reuse y (exp, sigmoid).
 */
export function unary(x: Tensor, op: string, f: (x: number) => number, df: (x: number, y: number) => number): Tensor {
  const y = new Float64Array(x.size);
  for (let i = 0; i < y.length; i++) y[i] = f(x.data[i]);
  return Tensor.fromOp(y, x.shape, op, [x], (g) => {
    const gx = new Float64Array(x.size);
    for (let i = 0; i < gx.length; i++) gx[i] = g[i] * df(x.data[i], y[i]);
    return [gx];
  });
}

/**
 * y = f(a, b) elementwise after broadcasting a and b to a common shape (NumPy rules: align
 * trailing dimensions; a dimension of 1 stretches).
 * Backward: an input element that was broadcast feeds several outputs, so its gradient is the sum
 * of theirs: ∂L/∂a_j = Σ_{i: idxA(i)=j} ∂L/∂y_i · ∂f/∂a(a_j, b_idxB(i)), and likewise for b.
 */
export function binary(a: Tensor, b: Tensor, op: string, f: (a: number, b: number) => number,
  dfa: (a: number, b: number) => number, dfb: (a: number, b: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const y = new Float64Array(ia.length);
  for (let i = 0; i < y.length; i++) y[i] = f(a.data[ia[i]], b.data[ib[i]]);
  return Tensor.fromOp(y, shape, op, [a, b], (g) => {
    const ga = new Float64Array(a.size);
    const gb = new Float64Array(b.size);
    for (let i = 0; i < g.length; i++) {
      const av = a.data[ia[i]];
      const bv = b.data[ib[i]];
      ga[ia[i]] += g[i] * dfa(av, bv);
      gb[ib[i]] += g[i] * dfb(av, bv);
    }
    return [ga, gb];
  });
}

/** The broadcast shape of two shapes, or a clear error naming both. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    check(da === db || da === 1 || db === 1, 'shape', () =>
      `${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast (dimension ${i}: ${da} vs ${db})`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** For each element of `outShape` (row-major), the flat index of the element of `inShape` it reads. */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const offset = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  // A stretched dimension (size 1 in the input, or missing) reads the same element: stride 0.
  const strides = outShape.map((_, d) => (d < offset || inShape[d - offset] === 1 ? 0 : inStrides[d - offset]));
  return stridedIndex(outShape, strides);
}
