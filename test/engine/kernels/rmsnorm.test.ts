/**
 * RMSNorm kernels (assembly/norm.ts) against the float64 reference op (src/ref/ops/rmsnorm.ts):
 * forward and backward, with and without gain, dx in place and apart, dw accumulating.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { staged } from '../../../src/engine/kernels/boundary.js';
import { rmsnormBwd, rmsnormBwdPtr, rmsnormFwd, rmsnormFwdPtr } from '../../../src/engine/kernels/rmsnorm.js';
import { rmsnorm } from '../../../src/ref/ops/rmsnorm.js';
import { Tensor } from '../../../src/ref/tensor.js';
import { expectEngineError } from '../errors.js';
import { dims, expectWithin, f32s, f64, reductionTolerance, underflowSlack, useEngines } from './support.js';

const engines = useEngines();

interface NormCase {
  rows: number;
  n: number;
  x: Float32Array;
  w: Float32Array | null;
  dy: Float32Array;
  dw0: Float32Array;
  eps: number;
  inPlace: boolean;
}

const normCase: fc.Arbitrary<NormCase> = dims(2, 70, 3000).chain(([rows, n]) => fc.record({
  rows: fc.constant(rows),
  n: fc.constant(n),
  x: f32s(rows * n),
  w: fc.option(f32s(n), { nil: null }),
  dy: f32s(rows * n),
  dw0: f32s(n),
  eps: fc.double({ min: 1e-6, max: 1e-2, noNaN: true }).map(Math.fround),
  inPlace: fc.boolean(),
}));

// Error bounds (support.ts explains the counting). With r = 1/√(Σx²/n + ε):
//  - r: a length-n sum of squares (no cancellation) then /n, +ε, √ (halves the relative error)
//    and 1/· — at most n + 4 roundings relative to r;
//  - y = (x·r)·w: two more, n + 6, relative to |y|;
//  - dw += (dy·x)·r over the rows: terms of n + 6 roundings summed with dw0, a reduction of
//    length rows + 1: rows + n + 7 over |dw0| + Σ|dy·x·r|;
//  - dx = r·a − (r³/n)·x·Σ(a⊙x), a = w⊙dy: r·a carries n + 6; the dot product n + 1; r³ three
//    times r's n + 4, then /n and ·dot: 4n + 17; times x and the final subtraction: 4n + 19 over
//    r|a_j| + (r³/n)|x_j|Σ|a_i x_i|.
// Underflow (support.ts, `underflowSlack`): the products dy·x (for dw), a = w⊙dy and a⊙x (for dx)
// may underflow and are then scaled by r, resp. r and r³|x_j|·max|x| (the n dot terms times 1/n).
function check(engine: Engine, c: NormCase): void {
  const { rows, n, x, w, dy, dw0, eps } = c;
  const xt = new Tensor(f64(x), [rows, n], true);
  const wt = w === null ? null : new Tensor(f64(w), [n], true);
  const yt = rmsnorm(xt, wt, eps);
  yt.backward(f64(dy));
  const r = Array.from({ length: rows }, (_, i) => {
    let ss = 0;
    for (let j = 0; j < n; j++) ss += x[i * n + j] ** 2;
    return 1 / Math.sqrt(ss / n + eps);
  });
  const gain = (j: number) => (w === null ? 1 : w[j]);
  const maxAbsX = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const absDot = r.map((_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(gain(j) * dy[i * n + j] * x[i * n + j]);
    return s;
  });

  const { y, rstd } = rmsnormFwd(engine.wasm, engine.arena, x, w, rows, n, eps);
  expectWithin('rstd', rstd, r, (i) => reductionTolerance(n + 4, r[i]));
  expectWithin('y', y, yt.data, (i) => reductionTolerance(n + 6, Math.abs(yt.data[i])));

  const dw = w === null ? null : dw0.slice();
  const outs = [new Float32Array(rows * n), ...(dw ? [dw] : [])];
  const dx = staged(engine.arena, [dy, x, rstd, ...(w ? [w] : []), ...outs], ([pdy, px, pr, ...rest]) => {
    const [pw, pdx, pdw] = w ? rest : [0, rest[0], 0];
    const target = c.inPlace ? pdy : pdx;
    rmsnormBwdPtr(engine.wasm, pdy, px, pw, pr, target, pdw, rows, n);
    if (dw) dw.set(engine.arena.f32view(pdw, n));
    return engine.arena.f32view(target, rows * n).slice();
  });
  expectWithin('dx', dx, xt.grad!, (k) => {
    const i = Math.floor(k / n), j = k % n;
    const abs = r[i] * Math.abs(gain(j) * dy[k]) + (r[i] ** 3 / n) * Math.abs(x[k]) * absDot[i];
    return reductionTolerance(4 * n + 19, abs) + underflowSlack(n + 4, 1 + r[i] + r[i] ** 3 * Math.abs(x[k]) * maxAbsX);
  });
  if (dw && wt) {
    const expected = wt.grad!.map((g, j) => g + dw0[j]);
    expectWithin('dw', dw, expected, (j) => {
      let abs = Math.abs(dw0[j]);
      let amp = 1;
      for (let i = 0; i < rows; i++) {
        abs += Math.abs(dy[i * n + j] * x[i * n + j]) * r[i];
        amp = Math.max(amp, r[i]);
      }
      return reductionTolerance(rows + n + 7, abs) + underflowSlack(rows, amp);
    });
  }
}

describe('rmsnorm_fwd / rmsnorm_bwd', () => {
  it('match the float64 reference (release build; sizes 1..70, with and without gain, dx in place or apart)', () => {
    fc.assert(fc.property(normCase, (c) => check(engines.release, c)));
  });

  it('match the float64 reference in the debug build (kernel asserts on)', () => {
    fc.assert(fc.property(normCase, (c) => check(engines.debug, c)), { numRuns: 5 });
  });

  it('normalise in place (y = x) and take 1/√ε for an all-zero row', () => {
    const { wasm, arena } = engines.release;
    const x = Float32Array.of(3, 4, 0, 0);
    const eps = Math.fround(1e-5);
    const [y, rstd] = staged(arena, [x, new Float32Array(2)], ([px, pr]) => {
      rmsnormFwdPtr(wasm, px, 0, px, pr, 2, 2, eps);
      return [arena.f32view(px, 4).slice(), arena.f32view(pr, 2).slice()];
    });
    // Row [3, 4]: mean square 12.5, r = 1/√(12.5 + ε).
    const r0 = 1 / Math.sqrt(12.5 + eps);
    expectWithin('y', y, [3 * r0, 4 * r0, 0, 0], (i) => reductionTolerance(2 + 6, Math.abs([3, 4, 0, 0][i] * r0)));
    expect(rstd[1]).toBeCloseTo(1 / Math.sqrt(eps), 0);
  });
});

describe('rmsnorm wrappers reject bad arguments before the kernel runs', () => {
  it('names the argument, the expectation and the value', () => {
    const { wasm, arena } = engines.release;
    const x = new Float32Array(6);
    expectEngineError(() => rmsnormFwd(wasm, arena, x, null, 2, 3.5, 1e-5), 'value', /rmsnorm_fwd: n must be an integer in \[1, \d+\], got 3.5/);
    expectEngineError(() => rmsnormFwd(wasm, arena, x, null, 2, 4, 1e-5), 'shape', /rmsnorm_fwd: x must have shape \[2, 4\] = 8 elements, got 6/);
    expectEngineError(() => rmsnormFwd(wasm, arena, x, new Float32Array(2), 2, 3, 1e-5), 'shape', /w must have shape \[3\]/);
    expectEngineError(() => rmsnormFwd(wasm, arena, x, null, 2, 3, NaN), 'value', /eps must be a finite float32 ≥ 0, got NaN/);
    expectEngineError(() => rmsnormFwd(wasm, arena, x, null, 2, 3, -1), 'value', /eps must be .* got -1/);
    expectEngineError(() => rmsnormFwd(wasm, arena, [1, 2] as unknown as Float32Array, null, 1, 2, 1e-5), 'dtype', /x must be a Float32Array, got Array/);
    expectEngineError(() => rmsnormBwd(wasm, arena, x, x, null, new Float32Array(1), 2, 3), 'shape', /rstd must have shape \[2\]/);
  });

  it('refuses pointers outside memory, below the heap base, misaligned or partly overlapping', () => {
    const { wasm } = engines.release;
    const base = wasm.exports.heap_base();
    const p = Math.ceil(base / 64) * 64;
    const end = wasm.memory.buffer.byteLength;
    expectEngineError(() => rmsnormFwdPtr(wasm, end - 8, 0, p, p + 64, 2, 2, 1e-5), 'value', /x spans bytes .* beyond linear memory/);
    expectEngineError(() => rmsnormFwdPtr(wasm, 0, 0, p, p + 64, 2, 2, 1e-5), 'value', /pointer x must be a multiple of 4 at or above the heap base/);
    expectEngineError(() => rmsnormFwdPtr(wasm, p + 2, 0, p + 64, p + 128, 2, 2, 1e-5), 'value', /pointer x must be a multiple of 4/);
    expectEngineError(() => rmsnormFwdPtr(wasm, p, 0, p + 4, p + 128, 2, 2, 1e-5), 'value', /x bytes .* overlap y bytes .* must not partly overlap/);
    expectEngineError(() => rmsnormFwdPtr(wasm, p, 0, p + 64, p + 8, 2, 2, 1e-5), 'value', /rstd bytes .* overlap|overlap rstd/);
  });
});
