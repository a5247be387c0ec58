/**
 * Shared test support for the reference: fast-check arbitraries (shapes, values, tensors,
 * broadcasting pairs, permutations), a straightforward row-major index arithmetic to test the
 * library's index code against, and three assertions (gradcheck, errors, closeness).
 *
 * Arbitraries produce plain data (`TensorSpec`: shape + values), never `Tensor`s: a tensor is
 * mutable (its `grad`), so each property builds fresh tensors with `leaf(spec)`, and fast-check
 * prints a counterexample as readable numbers.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { gradcheck, type GradcheckOptions } from '../../src/ref/gradcheck.js';
import { Tensor } from '../../src/ref/tensor.js';

// ---------------------------------------------------------------------------------------------
// Shapes

/** Largest dimension drawn by default: small shapes keep the O(size²) gradcheck cheap. */
export const MAX_DIM = 6;

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  minDim?: number;
  maxDim?: number;
  /** Upper bound on the number of elements. */
  maxSize?: number;
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A dimension in [min, max]. */
export function dim(max = MAX_DIM, min = 1): fc.Arbitrary<number> {
  return fc.integer({ min, max });
}

/** A shape of rank in [minRank, maxRank] with every dimension in [minDim, maxDim]. */
export function shapeArb({ minRank = 1, maxRank = 3, minDim = 1, maxDim = MAX_DIM, maxSize = 216 }: ShapeOptions = {}):
fc.Arbitrary<number[]> {
  return fc.array(dim(maxDim, minDim), { minLength: minRank, maxLength: maxRank }).filter((s) => size(s) <= maxSize);
}

/** A shape together with a valid axis of it, in either the positive or the negative (from the end) form. */
export function shapeAndAxis(opts: ShapeOptions = {}): fc.Arbitrary<{ shape: number[]; axis: number }> {
  return shapeArb(opts).chain((shape) =>
    fc.integer({ min: -shape.length, max: shape.length - 1 }).map((axis) => ({ shape, axis })));
}

/** A permutation of 0..n−1. */
export function permutationArb(n: number): fc.Arbitrary<number[]> {
  return fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
}

/** The ways two shapes can broadcast; each names one case the binary ops and matmul must handle. */
export const BROADCAST_KINDS = ['equal', 'size-1 dims', 'fewer dims', 'both stretch', 'shape [1]'] as const;
export type BroadcastKind = (typeof BROADCAST_KINDS)[number];

/**
 * Two shapes that broadcast to `out`, built the way the kind says, with the sides swapped at random
 * so either argument can be the one that stretches:
 * - `equal`: both are `out`;
 * - `size-1 dims`: one side has at least one dimension replaced by 1;
 * - `fewer dims`: one side drops 1..rank leading dimensions (down to rank 0);
 * - `both stretch`: each side has some dimensions set to 1 that the other keeps, e.g. [3, 1] with
 *   [1, 4] (so `out` has rank ≥ 2 here);
 * - `shape [1]`: one side is [1].
 * No dimension is stretched on both sides, so the broadcast shape is always `out`.
 */
export function broadcastPair(kind: BroadcastKind, opts: ShapeOptions = {}):
fc.Arbitrary<{ a: number[]; b: number[]; out: number[] }> {
  const { minRank = 1, maxRank = 3, maxDim = 4, maxSize = 96 } = opts;
  const lowest = kind === 'both stretch' ? Math.max(minRank, 2) : Math.max(minRank, 1);
  // Per dimension: which side (if any) has it replaced by 1.
  const sides = (n: number): fc.Arbitrary<Array<'a' | 'b' | null>> =>
    fc.array(fc.constantFrom('a' as const, 'b' as const, null), { minLength: n, maxLength: n });
  const stretch = (shape: number[], who: Array<'a' | 'b' | null>, side: 'a' | 'b'): number[] =>
    shape.map((d, i) => (who[i] === side ? 1 : d));
  return shapeArb({ minRank: lowest, maxRank: Math.max(maxRank, lowest), maxDim, maxSize }).chain((out) => {
    const r = out.length;
    let pair: fc.Arbitrary<[number[], number[]]>;
    switch (kind) {
      case 'equal': pair = fc.constant([out, out]); break;
      case 'size-1 dims': pair = sides(r).filter((w) => w.includes('b'))
        .map((w) => [out, stretch(out, w, 'b')]); break;
      case 'fewer dims': pair = fc.integer({ min: 1, max: r }).map((k) => [out, out.slice(k)]); break;
      case 'both stretch': pair = sides(r).filter((w) => w.includes('a') && w.includes('b'))
        .map((w) => [stretch(out, w, 'a'), stretch(out, w, 'b')]); break;
      case 'shape [1]': pair = fc.constant([out, [1]]); break;
    }
    return fc.tuple(pair, fc.boolean()).map(([[x, y], swap]) => (swap ? { a: y, b: x, out } : { a: x, b: y, out }));
  });
}

// ---------------------------------------------------------------------------------------------
// Values and tensors

/** A plain description of a tensor: what arbitraries produce. */
export interface TensorSpec {
  shape: number[];
  values: number[];
}

/** A real number in [min, max], uniform on a grid of 2²⁰ + 1 points (so both ends occur). */
export function real(min: number, max: number): fc.Arbitrary<number> {
  const steps = 2 ** 20;
  return fc.integer({ min: 0, max: steps }).map((k) => min + ((max - min) * k) / steps);
}

/** A real number with magnitude in [min, max] and a random sign: bounded away from 0. */
export function awayFromZero(min: number, max: number): fc.Arbitrary<number> {
  return fc.tuple(fc.boolean(), real(min, max)).map(([neg, m]) => (neg ? -m : m));
}

export function valuesArb(n: number, value: fc.Arbitrary<number> = real(-2, 2)): fc.Arbitrary<number[]> {
  return fc.array(value, { minLength: n, maxLength: n });
}

/** A tensor of the given shape with values drawn from `value`. */
export function tensorOf(shape: readonly number[], value: fc.Arbitrary<number> = real(-2, 2)): fc.Arbitrary<TensorSpec> {
  return valuesArb(size(shape), value).map((values) => ({ shape: [...shape], values }));
}

/** A tensor of random shape (see `shapeArb`) with values drawn from `value`. */
export function tensorArb(opts: ShapeOptions = {}, value: fc.Arbitrary<number> = real(-2, 2)): fc.Arbitrary<TensorSpec> {
  return shapeArb(opts).chain((shape) => tensorOf(shape, value));
}

/** A fresh tensor from a spec; inputs of a gradcheck need `requiresGrad` (the default). */
export function leaf(spec: TensorSpec, requiresGrad = true): Tensor {
  return Tensor.from(spec.values, spec.shape, requiresGrad);
}

// ---------------------------------------------------------------------------------------------
// Reference index arithmetic: div/mod on the row-major layout, independent of src/ref/ops/strided.ts

/** The multi-index of flat position `flat` in a row-major array of `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = flat % shape[k];
    flat = Math.floor(flat / shape[k]);
  }
  return idx;
}

/** The flat position of multi-index `idx` in a row-major array of `shape`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let k = 0; k < shape.length; k++) flat = flat * shape[k] + idx[k];
  return flat;
}

/** Reads element `idx` of a tensor of `shape` broadcast to rank `idx.length` (NumPy rules). */
export function broadcastRead(values: ArrayLike<number>, shape: readonly number[], idx: readonly number[]): number {
  const lead = idx.length - shape.length;
  return values[ravel(shape.map((d, k) => (d === 1 ? 0 : idx[lead + k])), shape)];
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** Runs `gradcheck` and fails with the per-input errors when it does not pass. */
export function expectGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts?: GradcheckOptions): void {
  const result = gradcheck(fn, inputs, opts);
  const detail = result.inputs
    .map((r, i) => `input ${i} [${inputs[i].shape}]: maxAbsErr ${r.maxAbsErr.toExponential(3)}, scale ${r.scale.toExponential(3)}, ${r.pass ? 'ok' : 'FAIL'}`)
    .join('; ');
  expect(result.pass, `gradcheck failed: ${detail}`).toBe(true);
}

export { expectDiffAttnError } from '../support/errors.js';

/** Elementwise |actual − expected| ≤ tol · max(1, |expected|), with the first bad index in the message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]))
      || actual[i] === expected[i]; // equal infinities
    if (!ok) expect.fail(`element ${i}: got ${actual[i]}, expected ${expected[i]} (tol ${tol})`);
  }
}
