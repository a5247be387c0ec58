/**
 * Elementwise kernels (assembly/elementwise.ts) against the float64 reference ops add and scale
 * (src/ref/ops/add.ts, scale.ts).
 *
 * Each output is ONE float32 operation on float32 operands, so the kernel must return the
 * correctly rounded value, which is exactly Math.fround of the float64 reference: the float64
 * result of +, × on float32 inputs rounded once more to float32 equals the direct float32 result
 * (double rounding is innocuous when the wider format has ≥ 2p + 2 bits: 53 ≥ 2·24 + 2; Figueroa,
 * "When is double rounding innocuous?", 1995). That is tighter than `reductionTolerance(1, |y|)`
 * (u·|y|), which it implies, so these tests compare exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { staged } from '../../../src/engine/kernels/boundary.js';
import {
  accumulate, accumulatePtr, add, addPtr, scaleInplace, scaleInplacePtr,
} from '../../../src/engine/kernels/elementwise.js';
import { add as addRef } from '../../../src/ref/ops/add.js';
import { scale as scaleRef } from '../../../src/ref/ops/scale.js';
import { Tensor } from '../../../src/ref/tensor.js';
import { expectEngineError } from '../errors.js';
import { dim, f32s, f64, useEngines } from './support.js';

const engines = useEngines();

// Values of ordinary size, or across the whole float32 range (sums may overflow to ±∞ exactly as
// the rounded reference does).
const values = (n: number) => fc.oneof(f32s(n), f32s(n, -3e38, 3e38));
const pairCase = dim(70 * 70).chain((n) => fc.record({ a: values(n), b: values(n), s: fc.float({ noNaN: true, noDefaultInfinity: true }) }));

const rounded = (t: Tensor) => Array.from(t.data, Math.fround);
const tensor = (x: Float32Array) => new Tensor(f64(x), [x.length]);

function check(engine: Engine, { a, b, s }: { a: Float32Array; b: Float32Array; s: number }): void {
  const { wasm, arena } = engine;
  const sum = rounded(addRef(tensor(a), tensor(b)));
  expect(Array.from(add(wasm, arena, a, b))).toEqual(sum);
  expect(Array.from(accumulate(wasm, arena, a.slice(), b))).toEqual(sum);
  expect(Array.from(scaleInplace(wasm, arena, a.slice(), s))).toEqual(rounded(scaleRef(tensor(a), s)));
}

describe('add_fwd / accumulate / scale_inplace', () => {
  it('return the correctly rounded float32 result of the reference (release build, n up to 4900)', () => {
    fc.assert(fc.property(pairCase, (c) => check(engines.release, c)));
  });

  it('do the same in the debug build (kernel asserts on)', () => {
    fc.assert(fc.property(pairCase, (c) => check(engines.debug, c)), { numRuns: 5 });
  });

  it('add in place into either operand (out = a or out = b)', () => {
    const { wasm, arena } = engines.release;
    const a = Float32Array.from({ length: 11 }, (_, i) => i + 0.25);
    const b = Float32Array.from({ length: 11 }, (_, i) => -2 * i);
    const expected = Array.from(a, (v, i) => v + b[i]);
    for (const into of [0, 1]) {
      const got = staged(arena, [a, b], (ptrs) => {
        addPtr(wasm, ptrs[0], ptrs[1], ptrs[into], 11);
        return Array.from(arena.f32view(ptrs[into], 11));
      });
      expect(got).toEqual(expected);
    }
  });
});

describe('elementwise wrappers reject bad arguments before the kernel runs', () => {
  it('names the argument, the expectation and the value', () => {
    const { wasm, arena } = engines.release;
    const x = new Float32Array(3);
    expectEngineError(() => add(wasm, arena, x, new Float32Array(4)), 'shape', /add_fwd: b must have shape \[3\] = 3 elements, got 4/);
    expectEngineError(() => accumulate(wasm, arena, x, null as unknown as Float32Array), 'dtype', /accumulate: src must be a Float32Array, got null/);
    expectEngineError(() => scaleInplace(wasm, arena, x, NaN), 'value', /scale_inplace: s must be a finite float32, got NaN/);
    expectEngineError(() => scaleInplace(wasm, arena, x, 1e39), 'value', /s must be a finite float32, got 1e\+39/);
  });

  it('refuses an accumulation whose source overlaps its destination', () => {
    const { wasm } = engines.release;
    const p = Math.ceil(wasm.exports.heap_base() / 64) * 64;
    expectEngineError(() => accumulatePtr(wasm, p, p, 4), 'value', /dst bytes .* overlap src bytes .* must not overlap/);
    expectEngineError(() => scaleInplacePtr(wasm, p, 2 ** 31, 2), 'value', /n must be an integer in \[0, 2147483647\], got 2147483648/);
  });
});
