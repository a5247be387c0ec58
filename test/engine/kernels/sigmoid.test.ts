/**
 * The logistic kernels (assembly/sigmoid.ts) against the float64 reference op
 * (src/ref/ops/sigmoid.ts), forward and backward, at odd sizes and over a range wide enough that
 * σ saturates on both sides.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { sigmoidBwd, sigmoidFwd } from '../../../src/engine/kernels/sigmoid.js';
import { sigmoid } from '../../../src/ref/ops/sigmoid.js';
import { Tensor } from '../../../src/ref/tensor.js';
import { expectEngineError } from '../errors.js';
import { EXP_ROUNDINGS, dim, expectWithin, f32s, f64, reductionTolerance, useEngines } from './support.js';

const engines = useEngines();
// σ = 1/(1 + e) or e/(1 + e) from e = e^−|x| (EXP_ROUNDINGS), plus the add, the division and the
// product: E + 3 roundings relative to σ. The slope σ·σ(−x) is two of those and a product, and
// the multiply by dy one more: 2E + 8 relative to |dy|·σ(x)σ(−x).
const FWD = EXP_ROUNDINGS + 3;
const BWD = 2 * EXP_ROUNDINGS + 8;
// x is drawn from ±20: past that, dy·e^−|x| for the smallest drawn dy nears the bottom of
// float32's normal range, where products lose the relative precision this bound assumes. The λ
// projections V2 feeds in stay far inside it.

describe('sigmoid_fwd / sigmoid_bwd', () => {
  it.each(['release', 'debug'] as const)('match the reference (%s build)', (build) => {
    const { wasm, arena } = engines[build];
    fc.assert(fc.property(dim(70 * 4).chain((n) => fc.record({ x: f32s(n, -20, 20), dy: f32s(n) })), ({ x, dy }) => {
      const t = new Tensor(f64(x), [x.length], true);
      const y = sigmoid(t);
      y.backward(f64(dy));
      expectWithin('y', sigmoidFwd(wasm, arena, x), y.data, (i) => reductionTolerance(FWD, Math.abs(y.data[i])));
      expectWithin('dx', sigmoidBwd(wasm, arena, dy, x), t.grad!, (i) => reductionTolerance(BWD, Math.abs(t.grad![i])));
    }), { numRuns: build === 'debug' ? 5 : undefined });
  });

  it('rejects mismatched lengths with the argument named', () => {
    const { wasm, arena } = engines.release;
    expectEngineError(() => sigmoidBwd(wasm, arena, new Float32Array(3), new Float32Array(4)), 'shape', /sigmoid_bwd: x/);
  });
});
