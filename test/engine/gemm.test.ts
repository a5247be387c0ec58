/**
 * GEMM kernels (release and debug builds) against the float64 reference, in every layout and both
 * accumulate modes, with the tolerance derived in tolerance.ts.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine, type GemmLayout } from '../../src/engine/index.js';
import { type GemmCase, compareToReference, gemmCaseArb, gemmDim, seededCase } from './gemm-reference.js';

const LAYOUTS: readonly GemmLayout[] = ['nn', 'nt', 'tn'];

let release: Engine;
let debug: Engine;
beforeAll(async () => {
  release = await Engine.load();
  debug = await Engine.load({ debug: true });
});

// Runs one case; C starts as C0 when accumulating and as NaN otherwise, so an overwrite that
// reads the old C shows up.
function run(engine: Engine, layout: GemmLayout, g: GemmCase): Float32Array {
  const c = g.accumulate ? g.c0.slice() : new Float32Array(g.M * g.N).fill(NaN);
  return engine.gemm(layout, g.a, g.b, c, g.M, g.N, g.K, g.accumulate);
}

describe.each(LAYOUTS)('gemm %s (release build)', (layout) => {
  it('matches the float64 reference for random sizes 1..70 and values', () => {
    fc.assert(fc.property(gemmCaseArb(layout), (g) => {
      const failure = compareToReference(layout, g, run(release, layout, g));
      if (failure !== null) throw new Error(failure);
    }));
  });

  it('matches the reference when M, N and K cross the MC, NC and KC block edges', () => {
    // MC = 64 (3 row blocks, the last partial), NC = 1024 (a partial second column block),
    // KC = 512 (K splits into 3 equal blocks of 367), in both accumulate modes.
    for (const accumulate of [false, true]) {
      const g = seededCase(131, 1041, 1100, accumulate, 0x9e3779b9);
      expect(compareToReference(layout, g, run(release, layout, g))).toBeNull();
    }
  });

  it('computes 1×1×1 and single rows and columns exactly', () => {
    const g: GemmCase = { M: 1, N: 1, K: 1, a: Float32Array.of(3), b: Float32Array.of(-2), c0: Float32Array.of(0.5), accumulate: true };
    expect(Array.from(run(release, layout, g))).toEqual([-5.5]);
    for (const [M, N, K] of [[1, 37, 5], [37, 1, 5], [5, 7, 1], [1, 1, 600]]) {
      const c = seededCase(M, N, K, false, M * 1000 + N * 10 + K);
      expect(compareToReference(layout, c, run(release, layout, c))).toBeNull();
    }
  });
});

describe('gemm (debug build: kernel asserts on)', () => {
  it.each(LAYOUTS)('%s matches the reference on a few random cases', (layout) => {
    fc.assert(fc.property(gemmCaseArb(layout, gemmDim(40)), (g) => {
      const failure = compareToReference(layout, g, run(debug, layout, g));
      if (failure !== null) throw new Error(failure);
    }), { numRuns: 8 });
  });

  it('traps with a message when a raw kernel call points outside memory', () => {
    const x = debug.wasm.exports;
    const end = debug.wasm.memory.buffer.byteLength;
    expect(() => x.gemm_nn(64, 64, end - 8, 4, 4, 4, 0, 256)).toThrow(/gemm: C outside memory/);
  });
});

describe('gemm keeps the arena balanced', () => {
  it('frees its staging buffers after each call, also after a validation error', () => {
    const top = release.arena.top;
    const g = seededCase(9, 10, 11, false, 7);
    run(release, 'nn', g);
    expect(release.arena.top).toBe(top);
    expect(() => release.gemm('nn', g.a, g.b, new Float32Array(3), 9, 10, 11)).toThrow();
    expect(release.arena.top).toBe(top);
  });
});
