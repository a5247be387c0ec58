/**
 * Fused cross-entropy kernel (assembly/cross-entropy.ts) against the float64 reference op
 * (src/ref/ops/cross-entropy.ts): per-row losses, the count, the mean, and the gradient for any
 * gradScale; ignored rows; logits shifted far from 0; dlogits apart from or over the logits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { staged } from '../../../src/engine/kernels/boundary.js';
import { xent, xentPtr } from '../../../src/engine/kernels/cross-entropy.js';
import { crossEntropy } from '../../../src/ref/ops/cross-entropy.js';
import { Tensor } from '../../../src/ref/tensor.js';
import { expectEngineError } from '../errors.js';
import { EXP_ROUNDINGS, dims, expectWithin, f32s, f64, reductionTolerance, useEngines } from './support.js';

const engines = useEngines();
const E = EXP_ROUNDINGS;

interface XentCase {
  N: number;
  V: number;
  logits: Float32Array;
  targets: Int32Array;
  ignoreIndex: number;
  gradScale: number | 'mean';
  inPlace: boolean;
}

const xentCase: fc.Arbitrary<XentCase> = dims(2, 70, 4900).chain(([N, V]) => fc.record({
  ignoreIndex: fc.constantFrom(-100, -1, 0),
  shift: fc.constantFrom(0, 80, 1e4, -1e4),
  z: f32s(N * V, -30, 30),
  gradScale: fc.oneof(fc.constant('mean' as const), fc.float({ min: -4, max: 4, noNaN: true })),
  inPlace: fc.boolean(),
}).chain(({ ignoreIndex, shift, z, gradScale, inPlace }) =>
  fc.array(fc.oneof(fc.integer({ min: 0, max: V - 1 }), fc.constant(ignoreIndex)), { minLength: N, maxLength: N })
    .map((t) => ({ N, V, logits: z.map((v) => v + shift), targets: Int32Array.from(t), ignoreIndex, gradScale, inPlace }))));

// Error bounds (support.ts explains the counting). With d_v = |z_v − m| (m the row max):
// z_v − m rounds once, which perturbs e^(z_v − m) by up to u·d_v relatively; the exponential
// itself is E roundings; Σ e^(z_v − m) is summed in float64 (its rounding is far below these).
// So the sum is off by at most γ_E + u·M relatively, M = Σ_v p_v d_v, and
//  - loss = (m − z_t) + log s, rounded to float32: `reductionTolerance(E + 1, 1 + M + |loss|)`;
//  - dlogit_v = (e_v · (gs/s)) [− gs at the target]: p_v·gs carries e_v's error, the sum's, and
//    two roundings; the subtraction one more: `reductionTolerance(2E + 3, |p_v·gs|(1 + d_v + M) + |dlogit_v|)`.
// Ignored rows must be exactly zero.
function check(engine: Engine, c: XentCase): void {
  const { N, V, logits, targets, ignoreIndex } = c;
  const counted = targets.filter((t) => t !== ignoreIndex).length;
  const gradScale = c.gradScale === 'mean' ? (counted > 0 ? 1 / counted : 0) : c.gradScale;
  const { wasm, arena } = engine;
  const [count, losses, dlogits] = staged(arena, [logits, targets, new Float32Array(N), new Float32Array(N * V)],
    ([pz, pt, pl, pd]) => {
      const target = c.inPlace ? pz : pd;
      const k = xentPtr(wasm, pz, pt, pl, target, N, V, gradScale, ignoreIndex);
      return [k, arena.f32view(pl, N).slice(), arena.f32view(target, N * V).slice()] as const;
    });
  expect(count).toBe(counted);

  const rowLoss = new Float64Array(N);
  const tolLoss = new Float64Array(N);
  const tolGrad = new Float64Array(N * V);
  for (let p = 0; p < N; p++) {
    if (targets[p] === ignoreIndex) continue;
    const row = logits.subarray(p * V, (p + 1) * V);
    rowLoss[p] = crossEntropy(new Tensor(f64(row), [1, V]), [targets[p]], ignoreIndex).item();
    const m = Math.max(...row);
    const s = row.reduce((acc, z) => acc + Math.exp(z - m), 0);
    const M = row.reduce((acc, z) => acc + (Math.exp(z - m) / s) * (m - z), 0);
    tolLoss[p] = reductionTolerance(E + 1, 1 + M + Math.abs(rowLoss[p]));
    row.forEach((z, v) => {
      tolGrad[p * V + v] = reductionTolerance(2 * E + 3, Math.abs((Math.exp(z - m) / s) * gradScale) * (1 + (m - z) + M));
    });
  }
  expectWithin('losses', losses, rowLoss, (p) => tolLoss[p]);
  if (counted === 0) {
    expect(dlogits.every((v) => v === 0)).toBe(true);
    return;
  }
  const zt = new Tensor(f64(logits), [N, V], true);
  const loss = crossEntropy(zt, targets, ignoreIndex);
  loss.backward(Float64Array.of(gradScale * counted)); // ∂(count·gs·mean)/∂z = gs·(softmax − onehot)
  const expected = zt.grad!;
  expectWithin('dlogits', dlogits, expected, (i) => tolGrad[i] + reductionTolerance(2 * E + 3, Math.abs(expected[i])));
}

describe('xent_fwd_bwd', () => {
  it('matches the float64 reference (release build; N, V in 1..70, ignored rows, shifted logits, in place or apart)', () => {
    fc.assert(fc.property(xentCase, (c) => check(engines.release, c)));
  });

  it('matches the reference in the debug build (kernel asserts on)', () => {
    fc.assert(fc.property(xentCase, (c) => check(engines.debug, c)), { numRuns: 5 });
  });

  it('returns the mean loss, zero gradients and a count of 0 when every row is ignored', () => {
    const { wasm, arena } = engines.release;
    const r = xent(wasm, arena, Float32Array.of(1, 2, 3, 4, 5, 6), Int32Array.of(-100, -100), 2, 3);
    expect(r.count).toBe(0);
    expect(Number.isNaN(r.loss)).toBe(true); // PyTorch's mean over no rows
    expect(Array.from(r.losses)).toEqual([0, 0]);
    expect(Array.from(r.dlogits)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('gives log V and (1/V − onehot)/N for uniform logits (mean reduction)', () => {
    const { wasm, arena } = engines.release;
    const V = 7;
    const r = xent(wasm, arena, new Float32Array(2 * V).fill(3.5), Int32Array.of(2, 6), 2, V);
    expect(r.count).toBe(2);
    expectWithin('losses', r.losses, [Math.log(V), Math.log(V)], () => reductionTolerance(E + 1, 1 + Math.log(V)));
    // The mean of two float32 losses, taken in float64: each loss's bound, and one float64 rounding.
    expectWithin('loss', [r.loss], [Math.log(V)], () => reductionTolerance(E + 1, 1 + Math.log(V)));
    const expected = Array.from({ length: 2 * V }, (_, i) => (1 / V - (i === 2 || i === V + 6 ? 1 : 0)) / 2);
    expectWithin('dlogits', r.dlogits, expected, (i) => reductionTolerance(2 * E + 3, 1 / (2 * V) + Math.abs(expected[i])));
  });
});

describe('xent wrappers reject bad targets and arguments before the kernel runs', () => {
  it('names the target, its row, the range and the ignore index', () => {
    const { wasm, arena } = engines.release;
    const z = new Float32Array(6);
    expectEngineError(() => xent(wasm, arena, z, Int32Array.of(0, 3), 2, 3), 'value', /xent_fwd_bwd: targets\[1\] = 3 is outside \[0, 3\) and is not the ignore index -100/);
    expectEngineError(() => xent(wasm, arena, z, Int32Array.of(-1, 0), 2, 3), 'value', /targets\[0\] = -1 is outside/);
    expectEngineError(() => xent(wasm, arena, z, Int32Array.of(0), 2, 3), 'shape', /targets must have shape \[2\] = 2 elements, got 1/);
    expectEngineError(() => xent(wasm, arena, z, Int32Array.of(0, 1), 2, 3, { gradScale: Infinity }), 'value', /gradScale must be a finite float32, got Infinity/);
    expectEngineError(() => xent(wasm, arena, z, Int32Array.of(0, 1), 2, 3, { ignoreIndex: 0.5 }), 'value', /ignoreIndex must be an integer, got 0.5/);
  });

  it('checks targets already in linear memory, and refuses partly overlapping logits and dlogits', () => {
    const { wasm, arena } = engines.release;
    staged(arena, [new Float32Array(8), Int32Array.of(0, 9), new Float32Array(2)], ([pz, pt, pl]) => {
      expectEngineError(() => xentPtr(wasm, pz, pt, pl, pz, 2, 4, 0.5), 'value', /targets\[1\] = 9 is outside \[0, 4\)/);
      expectEngineError(() => xentPtr(wasm, pz, pt, pl, pz + 4, 2, 4, 0.5), 'value', /logits bytes .* overlap dlogits bytes .* must not partly overlap/);
    });
  });
});
