/**
 * The optimizer kernels (assembly/adamw.ts): AdamW steps against a float64 transcription of
 * torch.optim.AdamW, the f64 sum of squares, and clip_grad_norm_ built on them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import {
  type AdamWOptions, type AdamWStep, adamw, adamwPtr, adamwStepParams, clipCoefficient, clipGradNorm, sumsq,
} from '../../../src/engine/kernels/adamw.js';
import { adamwFloat64 } from '../../../src/train/adamw64.js';
import { expectEngineError } from '../errors.js';
import { F64_UNIT_ROUNDOFF, gamma } from '../tolerance.js';
import { dim, expectWithin, f32s, reductionTolerance, underflowSlack, useEngines } from './support.js';

const engines = useEngines();

const hyper: fc.Arbitrary<Required<AdamWOptions>> = fc.record({
  lr: fc.constantFrom(1e-3, 3e-4, 0.1),
  beta1: fc.constantFrom(0.9, 0.8),
  beta2: fc.constantFrom(0.999, 0.95),
  eps: fc.constantFrom(1e-8, 1e-6),
  weightDecay: fc.constantFrom(0, 0.01, 0.1),
});

// Steps t0 .. t0 + k − 1 on n parameters: from t0 = 1 with m = v = 0 (a fresh optimizer), or
// from t0 = 100 with a random state (bias corrections near 1). One gradient per step.
const adamwCase = fc.record({ n: dim(70 * 70), k: fc.integer({ min: 1, max: 4 }), t0: fc.constantFrom(1, 100), o: hyper })
  .chain(({ n, k, t0, o }) => fc.record({
    n: fc.constant(n), t0: fc.constant(t0), o: fc.constant(o), p: f32s(n),
    m: t0 === 1 ? fc.constant(new Float32Array(n)) : f32s(n, -1, 1),
    v: t0 === 1 ? fc.constant(new Float32Array(n)) : f32s(n, 0, 4),
    grads: fc.array(f32s(n), { minLength: k, maxLength: k }),
  }));

// One step's error bounds, from the same float32 state (support.ts explains the counting).
// The kernel rounds its scalars to float32 once each: 1 − β1, β2, 1 − β2, √bias2, lr/bias1,
// 1 − lr·λ, ε.
//  - m' = m + c1·(g − m): c1, the subtraction, the product, the sum: 4 over |m| + c1(|g| + |m|);
//  - v' = v·β2 + c2·g²: at most 3 per term plus the sum: 4 over v' (no cancellation);
//  - denom = √v'/√bias2 + ε: √ halves v''s 4, then √bias2, /, ε, +: 7 relative to denom;
//  - p' = p·decay − step·(m'/denom): decay and ·: 2 on |p·decay|; m''s absolute error divided by
//    denom and scaled by step; m'/denom, step and ·: 10 on step·|m'/denom|; the difference: 1
//    more on |p'|. Underflow of the tiny products in m' is scaled by step/denom.
function expectStep(kind: string, before: { p: Float32Array; m: Float32Array; v: Float32Array }, g: Float32Array,
  after: { p: Float32Array; m: Float32Array; v: Float32Array }, o: Required<AdamWOptions>, t: number): void {
  const p = Float64Array.from(before.p), m = Float64Array.from(before.m), v = Float64Array.from(before.v);
  adamwFloat64(p, g, m, v, o, t);
  const c1 = 1 - o.beta1;
  const step = o.lr / (1 - o.beta1 ** t);
  const decay = 1 - o.lr * o.weightDecay;
  const denom = (i: number) => Math.sqrt(v[i]) / Math.sqrt(1 - o.beta2 ** t) + o.eps;
  const tolM = (i: number) => reductionTolerance(4, Math.abs(before.m[i]) + c1 * (Math.abs(g[i]) + Math.abs(before.m[i])));
  expectWithin(`${kind} m (t=${t})`, after.m, m, tolM);
  expectWithin(`${kind} v (t=${t})`, after.v, v, (i) => reductionTolerance(4, v[i]));
  expectWithin(`${kind} p (t=${t})`, after.p, p, (i) =>
    reductionTolerance(11, Math.abs(before.p[i]) * decay + step * Math.abs(m[i] / denom(i)) + Math.abs(p[i]))
    + (step * tolM(i)) / denom(i) + underflowSlack(4, 1 + step / denom(i)));
}

function run(engine: Engine, c: { n: number; t0: number; o: Required<AdamWOptions>; p: Float32Array; m: Float32Array;
  v: Float32Array; grads: Float32Array[] }): void {
  const state = { p: c.p.slice(), m: c.m.slice(), v: c.v.slice() };
  c.grads.forEach((g, s) => {
    const t = c.t0 + s;
    const before = { p: state.p.slice(), m: state.m.slice(), v: state.v.slice() };
    adamw(engine.wasm, engine.arena, state.p, g, state.m, state.v, adamwStepParams(t, c.o));
    expectStep('adamw', before, g, state, c.o, t);
  });
}

describe('adamw_step', () => {
  it('follows the float64 transcription of torch.optim.AdamW step after step (release build)', () => {
    fc.assert(fc.property(adamwCase, (c) => run(engines.release, c)));
  });

  it('does the same in the debug build (kernel asserts on)', () => {
    fc.assert(fc.property(adamwCase, (c) => run(engines.debug, c)), { numRuns: 5 });
  });

  it('fills in PyTorch\'s defaults and bias corrections', () => {
    const s = adamwStepParams(3);
    expect(s).toEqual({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, bias1: 1 - 0.9 ** 3, bias2: 1 - 0.999 ** 3 });
  });
});

describe('sumsq and clip_grad_norm', () => {
  // Both the kernel and this test sum the exact float64 squares in float64, in different orders:
  // each is within γₙ(2⁻⁵³)·Σx² of the exact sum.
  it('sums squares in float64 (release and debug builds)', () => {
    fc.assert(fc.property(dim(70 * 70).chain((n) => f32s(n, -1e4, 1e4)), (x) => {
      const exact = x.reduce((s, v) => s + v * v, 0);
      for (const e of [engines.release, engines.debug]) {
        expect(Math.abs(sumsq(e.wasm, e.arena, x) - exact)).toBeLessThanOrEqual(2 * gamma(x.length, F64_UNIT_ROUNDOFF) * exact);
      }
    }));
  });

  it('keeps squares that a float32 accumulator would drop', () => {
    // Four 1s (one per lane) and 2²⁰ values 2⁻¹²: in float32 every 1 + 2⁻²⁴ rounds back to 1 and
    // the result would be 4; in float64 every partial sum is exact: 4 + 2²⁰·2⁻²⁴ = 4.0625.
    const x = new Float32Array(4 + 2 ** 20).fill(2 ** -12);
    x.fill(1, 0, 4);
    expect(sumsq(engines.release.wasm, engines.release.arena, x)).toBe(4.0625);
  });

  it('scales every gradient by min(1, maxNorm / (norm + 1e-6)) and returns the norm (torch clip_grad_norm_)', () => {
    const gradsArb = fc.array(dim(300).chain((n) => f32s(n)), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(gradsArb, fc.double({ min: 0.1, max: 50, noNaN: true }), (grads, maxNorm) => {
      const { wasm, arena } = engines.release;
      const total = grads.reduce((k, g) => k + g.length, 0);
      const norm = Math.sqrt(grads.reduce((s, g) => s + g.reduce((a, v) => a + v * v, 0), 0));
      const coef = clipCoefficient(norm, maxNorm);
      expect(coef).toBe(Math.min(1, maxNorm / (norm + 1e-6)));
      const clipped = grads.map((g) => g.slice());
      const got = clipGradNorm(wasm, arena, clipped, maxNorm);
      expect(Math.abs(got - norm)).toBeLessThanOrEqual(2 * gamma(total, F64_UNIT_ROUNDOFF) * norm);
      // Each value: one rounding of the coefficient to float32 and one product.
      clipped.forEach((g, k) => expectWithin(`grads[${k}]`, g, Array.from(grads[k], (v) => v * coef),
        (i) => (coef === 1 ? 0 : reductionTolerance(2, Math.abs(grads[k][i] * coef)))));
    }));
  });
});

describe('optimizer wrappers reject bad hyperparameters and shapes before the kernel runs', () => {
  it('names the argument, the expectation and the value', () => {
    const { wasm, arena } = engines.release;
    const x = new Float32Array(4);
    const ok: AdamWStep = adamwStepParams(1);
    expectEngineError(() => adamw(wasm, arena, x, x, x, new Float32Array(3), ok), 'shape', /adamw_step: v must have shape \[4\] = 4 elements, got 3/);
    expectEngineError(() => adamw(wasm, arena, x, x, x, x, { ...ok, lr: NaN }), 'value', /adamw_step: lr must be a finite number ≥ 0, got NaN/);
    expectEngineError(() => adamw(wasm, arena, x, x, x, x, { ...ok, beta2: 1 }), 'value', /beta2 must be in \[0, 1\), got 1/);
    expectEngineError(() => adamw(wasm, arena, x, x, x, x, { ...ok, eps: 0 }), 'value', /eps must be a finite number > 0, got 0/);
    expectEngineError(() => adamw(wasm, arena, x, x, x, x, { ...ok, bias1: 0 }), 'value', /bias1 must be in \(0, 1\] .* got 0/);
    expectEngineError(() => adamwStepParams(0), 'value', /adamw: t must be an integer in \[1, /);
    expectEngineError(() => clipGradNorm(wasm, arena, [x], 0), 'value', /clip_grad_norm: maxNorm must be a finite number > 0, got 0/);
  });

  it('refuses a gradient buffer that overlaps the parameters', () => {
    const { wasm } = engines.release;
    const p = Math.ceil(wasm.exports.heap_base() / 64) * 64;
    expectEngineError(() => adamwPtr(wasm, p, p + 8, p + 64, p + 128, 4, adamwStepParams(1)), 'value', /p bytes .* overlap g bytes .* must not overlap/);
  });
});
