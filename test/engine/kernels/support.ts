/**
 * Shared support for the kernel tests: the loaded release and debug engines, arbitraries for
 * sizes and float32 data, and the elementwise comparison against a float64 reference.
 *
 * Tolerances all come from `reductionTolerance(n, absSum)` (../tolerance.ts): γₙ·Σ|terms| for a
 * float32 result that went through n roundings (Higham Lemma 3.1: a chain of k roundings, each
 * (1 + δ) or (1 + δ)⁻¹ with |δ| ≤ u, is 1 + θ_k with |θ_k| ≤ γ_k, and Lemma 3.3:
 * (1 + θ_j)(1 + θ_k) = 1 + θ_{j+k}). So a result with no reduction but k roundings on its path
 * takes `reductionTolerance(k, |result|)`, and a reduction of length n followed by k more
 * roundings takes `reductionTolerance(n + k, Σ|terms|)`. Each test derives its (n, absSum) in a
 * comment. The vector exponential e^x (`exp4`, assembly/vmath.ts) is not correctly rounded: it
 * counts as EXP_ROUNDINGS roundings (its analysis: the shared 2^f polynomial's 1.7u, ≤ 0.35u each
 * from rounding f = r·log₂e and log₂e itself; measured ≤ 2.1u over 2²⁴ points of its range).
 * Underflow: see `underflowSlack`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { F32_UNDERFLOW_ERROR, reductionTolerance } from '../tolerance.js';
import { gemmDim } from '../gemm-reference.js';

/** Roundings one e^x of assembly/vmath.ts is worth (its relative error is below 2.5u < γ₃). */
export const EXP_ROUNDINGS = 3;

export { reductionTolerance };

/**
 * The helper's underflow term (2n·2⁻¹⁵⁰, tolerance.ts) assumes an underflowed value is not scaled
 * up afterwards. Kernels that multiply by a large factor after a product that may underflow
 * (RMSNorm's r = 1/√(mean x² + ε) reaches 1/√ε) add `count` such errors times that factor.
 */
export function underflowSlack(count: number, amplification: number): number {
  return count * amplification * F32_UNDERFLOW_ERROR;
}

/** A dimension in 1..max, biased toward 1 and primes (the edge cases of 4-lane loops). */
export const dim = gemmDim;

/** The release and debug engines, loaded once per test file; the arena must be balanced after. */
export function useEngines(): { release: Engine; debug: Engine } {
  const engines = {} as { release: Engine; debug: Engine };
  let tops: number[] = [];
  beforeAll(async () => {
    engines.release = await Engine.load();
    engines.debug = await Engine.load({ debug: true });
    tops = [engines.release.arena.top, engines.debug.arena.top];
  });
  afterAll(() => {
    expect([engines.release.arena.top, engines.debug.arena.top], 'arena reset after every call').toEqual(tops);
  });
  return engines;
}

/**
 * `k` dimensions, each in 1..max (biased to 1 and primes), whose product is at most `maxTotal`:
 * each is drawn within what the earlier ones leave, so no case is thrown away.
 */
export function dims(k: number, max: number, maxTotal: number): fc.Arbitrary<number[]> {
  let arb: fc.Arbitrary<number[]> = fc.constant([]);
  for (let i = 0; i < k; i++) {
    arb = arb.chain((ds) => {
      const room = Math.floor(maxTotal / ds.reduce((p, d) => p * d, 1));
      return dim(Math.max(1, Math.min(max, room))).map((d) => [...ds, d]);
    });
  }
  return arb;
}

/** `n` float32 values in [min, max] (fast-check also draws 0, −0, the bounds and subnormals). */
export function f32s(n: number, min = -4, max = 4): fc.Arbitrary<Float32Array> {
  return fc.float32Array({ minLength: n, maxLength: n, min: Math.fround(min), max: Math.fround(max), noNaN: true });
}

/** `n` int32 values in [0, limit). */
export function i32s(n: number, limit: number): fc.Arbitrary<Int32Array> {
  return fc.array(fc.integer({ min: 0, max: limit - 1 }), { minLength: n, maxLength: n }).map((a) => Int32Array.from(a));
}

/** Float64 copy of float32 data (exact): the reference works on the very same values. */
export function f64(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x);
}

/**
 * Expects |actual[i] − expected[i]| ≤ tol(i) for every i (NaN fails), reporting the worst element
 * relative to its tolerance.
 */
export function expectWithin(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>,
  tol: (i: number) => number): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const t = tol(i);
    if (!(err <= t) && !(actual[i] === expected[i])) {
      const ratio = err / t;
      if (worst < 0 || !(ratio <= worstRatio)) [worst, worstRatio] = [i, ratio];
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}[${worst}] = ${actual[worst]}, reference ${expected[worst]}, ` +
      `|error| ${Math.abs(actual[worst] - expected[worst])} > tolerance ${tol(worst)}`);
  }
}
