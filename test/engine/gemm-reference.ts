/**
 * Test support for GEMM: random cases (fast-check), the float64 reference built from the same
 * float32 values with `src/ref`'s `matmul`, and the elementwise check against `reductionTolerance`.
 */
import fc from 'fast-check';
import type { GemmLayout } from '../../src/engine/index.js';
import { matmul } from '../../src/ref/ops/matmul.js';
import { Tensor } from '../../src/ref/tensor.js';
import { reductionTolerance } from './tolerance.js';

/** One GEMM problem: sizes, the stored operands (layout-dependent shapes) and the initial C. */
export interface GemmCase {
  M: number;
  N: number;
  K: number;
  a: Float32Array;
  b: Float32Array;
  c0: Float32Array;
  accumulate: boolean;
}

// Sizes that are not multiples of the tile (2×16) or of the vector width (4) are where edge code
// lives, so primes are drawn as often as uniform sizes.
const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67];

/** A GEMM dimension in 1..max, biased toward 1 and primes. */
export function gemmDim(max = 70): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(1, ...PRIMES.filter((p) => p <= max)), fc.integer({ min: 1, max }));
}

/** `n` float32 values in [-4, 4] (fast-check also draws 0, −0, the bounds and subnormals). */
export function f32Values(n: number): fc.Arbitrary<Float32Array> {
  return fc.float32Array({ minLength: n, maxLength: n, min: -4, max: 4, noNaN: true });
}

/** A random case for `layout` with every dimension drawn by `dim`. */
export function gemmCaseArb(layout: GemmLayout, dim = gemmDim()): fc.Arbitrary<GemmCase> {
  return fc.record({ M: dim, N: dim, K: dim, accumulate: fc.boolean() }).chain(({ M, N, K, accumulate }) =>
    fc.record({ a: f32Values(M * K), b: f32Values(K * N), c0: f32Values(M * N) })
      .map(({ a, b, c0 }) => ({ M, N, K, a, b, c0, accumulate })));
}

/** A deterministic case (for sizes too large for fast-check to draw values for). */
export function seededCase(M: number, N: number, K: number, accumulate: boolean, seed: number): GemmCase {
  let s = seed >>> 0;
  // xorshift32: values in [-2, 2), reproducible without the fast-check seed.
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s / 2 ** 32) * 4 - 2;
  };
  const fill = (n: number) => Float32Array.from({ length: n }, next);
  return { M, N, K, a: fill(M * K), b: fill(K * N), c0: fill(M * N), accumulate };
}

/**
 * The float64 reference C = op(A)·op(B) (+ C0) and Σₖ|op(A)ᵢₖ||op(B)ₖⱼ| (+ |C0|), both [M, N].
 */
export function reference(layout: GemmLayout, g: GemmCase): { ref: Float64Array; absSum: Float64Array } {
  const { M, N, K } = g;
  const a = layout === 'tn' ? transpose(g.a, K, M) : Float64Array.from(g.a); // [M, K]
  const b = layout === 'nt' ? transpose(g.b, N, K) : Float64Array.from(g.b); // [K, N]
  const ref = matmul(Tensor.from(a, [M, K]), Tensor.from(b, [K, N])).data;
  const absSum = matmul(Tensor.from(a.map(Math.abs), [M, K]), Tensor.from(b.map(Math.abs), [K, N])).data;
  if (g.accumulate) {
    for (let i = 0; i < M * N; i++) {
      ref[i] += g.c0[i];
      absSum[i] += Math.abs(g.c0[i]);
    }
  }
  return { ref, absSum };
}

/**
 * Checks every element of the computed C against the reference within `reductionTolerance`;
 * returns null when all pass, else a description of the worst element.
 */
export function compareToReference(layout: GemmLayout, g: GemmCase, c: Float32Array): string | null {
  const { ref, absSum } = reference(layout, g);
  const n = g.accumulate ? g.K + 1 : g.K;
  let worst: { i: number; ratio: number } | null = null;
  for (let i = 0; i < ref.length; i++) {
    const tol = reductionTolerance(n, absSum[i]);
    const err = Math.abs(c[i] - ref[i]);
    // `!(err <= tol)` also catches NaN.
    if (!(err <= tol)) {
      const ratio = err / tol;
      if (worst === null || !(ratio <= worst.ratio)) worst = { i, ratio };
    }
  }
  if (worst === null) return null;
  const { i } = worst;
  return `${layout} M=${g.M} N=${g.N} K=${g.K} accumulate=${g.accumulate}: C[${Math.floor(i / g.N)}, ${i % g.N}] = ` +
    `${c[i]}, reference ${ref[i]}, |error| ${Math.abs(c[i] - ref[i])} > tolerance ${reductionTolerance(n, absSum[i])}`;
}

// x: [rows, cols] → [cols, rows], widened to float64 (exactly).
function transpose(x: Float32Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
  return t;
}
