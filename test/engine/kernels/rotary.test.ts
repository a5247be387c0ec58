/**
 * Rotary kernel (assembly/rotary.ts) against the float64 reference op (src/ref/ops/rotary.ts):
 * both pairings, partial rotary, a position offset; sign −1 against the reference's backward.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { type RotaryShape, type RotaryStyle, rotary, rotaryPtr } from '../../../src/engine/kernels/rotary.js';
import { rotary as rotaryRef } from '../../../src/ref/ops/rotary.js';
import { Tensor } from '../../../src/ref/tensor.js';
import { expectEngineError } from '../errors.js';
import { dim, dims, expectWithin, f32s, f64, reductionTolerance, useEngines } from './support.js';

const engines = useEngines();

interface RotaryCase {
  B: number;
  shape: RotaryShape;
  maxPos: number;
  x: Float32Array;
  g: Float32Array;
  cos: Float32Array;
  sin: Float32Array;
}

// Tables of real angles, rounded to float32 (the kernel and the reference read the same values).
function tables(maxPos: number, half: number): fc.Arbitrary<{ cos: Float32Array; sin: Float32Array }> {
  return fc.float32Array({ minLength: maxPos * half, maxLength: maxPos * half, min: -100, max: 100, noNaN: true })
    .map((theta) => ({ cos: theta.map(Math.cos), sin: theta.map(Math.sin) }));
}

const rotaryCase: fc.Arbitrary<RotaryCase> = fc.tuple(dim(4), dims(3, 70, 1500)).chain(([B, [T, H, D]]) =>
  fc.record({
    half: fc.integer({ min: 0, max: Math.floor(D / 2) }),
    style: fc.constantFrom<RotaryStyle>('interleaved', 'half'),
    pos0: fc.integer({ min: 0, max: 9 }),
    extra: fc.integer({ min: 0, max: 3 }),
  }).chain(({ half, style, pos0, extra }) => {
    const maxPos = pos0 + T + extra;
    return fc.record({ x: f32s(B * T * H * D), g: f32s(B * T * H * D), t: tables(maxPos, half) }).map(({ x, g, t }) => ({
      B, maxPos, x, g, cos: t.cos, sin: t.sin, shape: { T, H, D, half, style, pos0, sign: 1 as const },
    }));
  }));

// Each rotated output is a two-term dot product, v·c ∓ v_partner·s (a' = a·c − b·s,
// b' = b·c + a·s): `reductionTolerance(2, |v·c| + |v_partner·s|)`. Channels past 2·half are
// copied: the same bound with zero magnitude (exact up to underflow).
function tolerances(v: Float32Array, c: RotaryCase): (i: number) => number {
  const { T, H, D, half, style, pos0 } = c.shape;
  return (i) => {
    const ch = i % D;
    if (ch >= 2 * half) return reductionTolerance(2, 0);
    const t = Math.floor(i / (H * D)) % T;
    const j = style === 'interleaved' ? ch >> 1 : ch % half;
    const partner = style === 'interleaved' ? i - ch + (ch ^ 1) : ch < half ? i + half : i - half;
    const k = (pos0 + t) * half + j;
    return reductionTolerance(2, Math.abs(v[i] * c.cos[k]) + Math.abs(v[partner] * c.sin[k]));
  };
}

function check(engine: Engine, c: RotaryCase): void {
  const { B, shape, maxPos } = c;
  const { T, H, D, half, pos0 } = shape;
  const rows = B * T;
  // The reference takes tables [T, half] starting at position 0: hand it rows pos0 .. pos0 + T − 1.
  const window = (tab: Float32Array) => new Tensor(f64(tab.subarray(pos0 * half, (pos0 + T) * half)), [T, half]);
  const xt = new Tensor(f64(c.x), [B, T, H, D], true);
  const yt = rotaryRef(xt, window(c.cos), window(c.sin), shape.style);
  yt.backward(f64(c.g));

  const y = rotary(engine.wasm, engine.arena, c.x.slice(), c.cos, c.sin, rows, maxPos, shape);
  expectWithin('forward', y, yt.data, tolerances(c.x, c));
  const dx = rotary(engine.wasm, engine.arena, c.g.slice(), c.cos, c.sin, rows, maxPos, { ...shape, sign: -1 });
  expectWithin('backward (sign −1)', dx, xt.grad!, tolerances(c.g, c));
}

describe('rotary_fwd', () => {
  it('matches the float64 reference forward (sign +1) and backward (sign −1), both styles, partial rotary', () => {
    fc.assert(fc.property(rotaryCase, (c) => check(engines.release, c)));
  });

  it('matches the reference in the debug build (kernel asserts on)', () => {
    fc.assert(fc.property(rotaryCase, (c) => check(engines.debug, c)), { numRuns: 5 });
  });

  it('rotates a decode row (T = 1, pos0 = p) exactly as the prefill rotates position p', () => {
    const { wasm, arena } = engines.release;
    const T = 13, H = 3, D = 22, half = 9, maxPos = 16;
    const x = Float32Array.from({ length: T * H * D }, (_, i) => Math.sin(i * 0.37));
    const theta = Float32Array.from({ length: maxPos * half }, (_, i) => i * 0.11);
    const [cos, sin] = [theta.map(Math.cos), theta.map(Math.sin)];
    for (const style of ['interleaved', 'half'] as const) {
      const prefill = rotary(wasm, arena, x.slice(), cos, sin, T, maxPos, { T, H, D, half, style, pos0: 0, sign: 1 });
      for (const p of [0, 5, 12]) {
        const row = x.slice(p * H * D, (p + 1) * H * D);
        rotary(wasm, arena, row, cos, sin, 1, maxPos, { T: 1, H, D, half, style, pos0: p, sign: 1 });
        expect(row).toEqual(prefill.subarray(p * H * D, (p + 1) * H * D));
      }
    }
  });
});

describe('rotary wrappers reject bad arguments before the kernel runs', () => {
  const shape: RotaryShape = { T: 2, H: 1, D: 4, half: 2, style: 'half', pos0: 0, sign: 1 };
  const x = new Float32Array(8);
  const tab = new Float32Array(4);

  it('names the argument, the expectation and the value', () => {
    const { wasm, arena } = engines.release;
    expectEngineError(() => rotary(wasm, arena, x, tab, tab, 2, 2, { ...shape, half: 3 }), 'value', /rotary: half must be at most D\/2 = 2/);
    expectEngineError(() => rotary(wasm, arena, x, tab, tab, 3, 2, shape), 'value', /rows must be a multiple of T = 2 .*, got 3/);
    expectEngineError(() => rotary(wasm, arena, x, tab, tab, 2, 2, { ...shape, pos0: 1 }), 'value', /pos0 must be at most maxPos − T = 0 .* got 1/);
    expectEngineError(() => rotary(wasm, arena, x, tab, tab, 2, 2, { ...shape, sign: 2 as 1 }), 'value', /sign must be \+1 \(forward\) or −1 \(backward\), got 2/);
    expectEngineError(() => rotary(wasm, arena, x, tab, tab, 2, 2, { ...shape, style: 'gptj' as RotaryStyle }), 'value', /style must be 'interleaved' or 'half', got "gptj"/);
    expectEngineError(() => rotary(wasm, arena, x, tab, new Float32Array(3), 2, 2, shape), 'shape', /sin must have shape \[2, 2\] = 4 elements, got 3/);
    expectEngineError(() => rotary(wasm, arena, x, tab, tab, 2, 2, { ...shape, D: 0 }), 'value', /D must be an integer in \[1, /);
  });

  it('refuses a table that does not reach pos0 + T at the pointer level', () => {
    const { wasm } = engines.release;
    const p = Math.ceil(wasm.exports.heap_base() / 64) * 64;
    expectEngineError(() => rotaryPtr(wasm, p, p + 64, p + 128, 2, 2, { ...shape, pos0: 1 }), 'value', /pos0 must be at most maxPos − T/);
    expectEngineError(() => rotaryPtr(wasm, p, p + 16, p + 128, 2, 2, shape), 'value', /x bytes .* overlap cos bytes/);
  });
});
