/**
 * SwiGLU kernels (assembly/swiglu.ts) against the float64 reference ops silu and mul
 * (src/ref/ops/silu.ts, mul.ts): forward and backward, apart and in place, at odd sizes, and over
 * the whole float32 range of the gate (no overflow, the vector e^x checked from −90 to 90).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { staged } from '../../../src/engine/kernels/boundary.js';
import { swigluBwd, swigluBwdPtr, swigluFwd, swigluFwdPtr } from '../../../src/engine/kernels/swiglu.js';
import { mul } from '../../../src/ref/ops/mul.js';
import { sigmoidOf } from '../../../src/ref/ops/sigmoid.js';
import { silu } from '../../../src/ref/ops/silu.js';
import { Tensor } from '../../../src/ref/tensor.js';
import { expectEngineError } from '../errors.js';
import { EXP_ROUNDINGS, dim, expectWithin, f32s, f64, reductionTolerance, underflowSlack, useEngines } from './support.js';

const engines = useEngines();
const E = EXP_ROUNDINGS;

// Error bounds (support.ts explains the counting). σ and 1 − σ each come from e = e^−|g| (E),
// 1 + e, a division and, on one side, a product: E + 3.
//  - h = (g·σ)·u and du = dh·(g·σ): E + 5, relative to the result;
//  - dg = (dh·u)·σ·(1 + g·(1 − σ)): the sum 1 + g(1 − σ) can cancel (g < 0), so its error is
//    relative to 1 + |g|(1 − σ); with σ's E + 3 and the products, 2E + 11 over
//    |dh·u|·σ·(1 + |g|(1 − σ)).
// Where σ underflows (g < −87) its absolute error (a few 2⁻¹⁵⁰) is scaled by |g·u| and |dh·u|.
function reference(g: Float32Array, u: Float32Array, dh: Float32Array) {
  const gt = new Tensor(f64(g), [g.length], true);
  const ut = new Tensor(f64(u), [u.length], true);
  const ht = mul(silu(gt), ut);
  ht.backward(f64(dh));
  const sig = Array.from(g, sigmoidOf);
  return {
    h: ht.data, dgate: gt.grad!, dup: ut.grad!,
    tolH: (i: number) => reductionTolerance(E + 5, Math.abs(ht.data[i])) + underflowSlack(E + 5, Math.abs(g[i] * u[i])),
    tolDup: (i: number) => reductionTolerance(E + 5, Math.abs(ut.grad![i])) + underflowSlack(E + 5, Math.abs(g[i] * dh[i])),
    tolDgate: (i: number) => reductionTolerance(2 * E + 11, Math.abs(dh[i] * u[i]) * sig[i] * (1 + Math.abs(g[i]) * (1 - sig[i])))
      + underflowSlack(2 * E + 11, Math.abs(dh[i] * u[i]) * (1 + Math.abs(g[i]))),
  };
}

const swigluCase = dim(70 * 70).chain((n) => fc.record({ g: f32s(n, -8, 8), u: f32s(n), dh: f32s(n), inPlace: fc.boolean() }));

function check(engine: Engine, { g, u, dh, inPlace }: { g: Float32Array; u: Float32Array; dh: Float32Array; inPlace: boolean }): void {
  const { wasm, arena } = engine;
  const n = g.length;
  const ref = reference(g, u, dh);
  const out = () => new Float32Array(n);
  // In place: h over gate; dgate over dh and dup over up.
  const [h, dgate, dup] = staged(arena, [g, u, dh, out(), out(), out()], ([pg, pu, pdh, ph, pdg, pdu]) => {
    const [th, tdg, tdu] = inPlace ? [pg, pdh, pu] : [ph, pdg, pdu];
    swigluBwdPtr(wasm, pdh, pg, pu, tdg, tdu, n);
    const grads = [arena.f32view(tdg, n).slice(), arena.f32view(tdu, n).slice()];
    // The backward may have overwritten up in place: forward from fresh copies.
    arena.f32view(pu, n).set(u);
    swigluFwdPtr(wasm, pg, pu, th, n);
    return [arena.f32view(th, n).slice(), ...grads];
  });
  expectWithin('h', h, ref.h, ref.tolH);
  expectWithin('dgate', dgate, ref.dgate, ref.tolDgate);
  expectWithin('dup', dup, ref.dup, ref.tolDup);
}

describe('swiglu_fwd / swiglu_bwd', () => {
  it('match the float64 reference (release build; n up to 4900, apart or in place)', () => {
    fc.assert(fc.property(swigluCase, (c) => check(engines.release, c)));
  });

  it('match the reference in the debug build (kernel asserts on)', () => {
    fc.assert(fc.property(swigluCase, (c) => check(engines.debug, c)), { numRuns: 5 });
  });

  it('stay finite and accurate for gates across the float32 range, including the exp cut-offs', () => {
    const big = [0, 1e-30, 1, 10, 20, 30, 50, 87, 87.5, 88, 88.8, 89, 90, 100, 104, 105, 1e4, 1e30, 3e38];
    const g = Float32Array.from([...big, ...big.map((v) => -v)]);
    const u = new Float32Array(g.length).fill(0.5); // |h| ≤ |g|/2: finite even at g = 3e38
    const dh = new Float32Array(g.length).fill(-0.75);
    const { wasm, arena } = engines.release;
    const h = swigluFwd(wasm, arena, g, u);
    const { dgate, dup } = swigluBwd(wasm, arena, dh, g, u);
    for (const v of [...h, ...dgate, ...dup]) expect(Number.isFinite(v)).toBe(true);
    const ref = reference(g, u, dh);
    expectWithin('h', h, ref.h, ref.tolH);
    expectWithin('dgate', dgate, ref.dgate, ref.tolDgate);
    expectWithin('dup', dup, ref.dup, ref.tolDup);
  });

  it('computes silu within its bound on a dense grid of 360,000 gates in [−90, 90] (checks e^x everywhere)', () => {
    const n = 360_000;
    const g = Float32Array.from({ length: n }, (_, i) => -90 + (180 * i) / n);
    const one = new Float32Array(n).fill(1);
    const h = swigluFwd(engines.release.wasm, engines.release.arena, g, one);
    const ref = reference(g, one, one);
    expectWithin('silu', h, ref.h, ref.tolH);
  });
});

describe('swiglu wrappers reject bad arguments before the kernel runs', () => {
  it('names the argument, the expectation and the value', () => {
    const { wasm, arena } = engines.release;
    const a = new Float32Array(5);
    expectEngineError(() => swigluFwd(wasm, arena, a, new Float32Array(4)), 'shape', /swiglu_fwd: up must have shape \[5\] = 5 elements, got 4/);
    expectEngineError(() => swigluBwd(wasm, arena, a, a, new Float64Array(5) as unknown as Float32Array), 'dtype', /swiglu_bwd: up must be a Float32Array, got Float64Array/);
    expectEngineError(() => swigluFwdPtr(wasm, 0, 0, 0, -1), 'value', /swiglu_fwd: n must be an integer in \[0, \d+\], got -1/);
  });

  it('refuses dgate and dup in one buffer, and partial overlaps', () => {
    const { wasm } = engines.release;
    const p = Math.ceil(wasm.exports.heap_base() / 64) * 64;
    expectEngineError(() => swigluBwdPtr(wasm, p, p + 64, p + 128, p + 192, p + 192, 8), 'value', /dgate bytes .* overlap dup bytes .* must not overlap/);
    expectEngineError(() => swigluFwdPtr(wasm, p, p + 64, p + 4, 8), 'value', /gate bytes .* overlap h bytes .* must not partly overlap/);
  });
});
