/**
 * The GEMM boundary: every bad argument throws a DiffAttnError naming it, before any kernel runs.
 */
import { beforeAll, describe, it } from 'vitest';
import { Engine, type GemmLayout } from '../../src/engine/index.js';
import { expectEngineError } from './errors.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.load();
});

const f32 = (n: number) => new Float32Array(n);

describe('gemm (Float32Array wrapper) rejects bad arguments', () => {
  it('names a size that is not a positive integer', () => {
    for (const [M, N, K, name] of [[0, 2, 2, 'M'], [2, -1, 2, 'N'], [2, 2, NaN, 'K'], [1.5, 2, 2, 'M'],
      [2, Infinity, 2, 'N'], [2, 2, 2 ** 31, 'K']] as const) {
      expectEngineError(() => engine.gemm('nn', f32(4), f32(4), f32(4), M, N, K), 'value',
        new RegExp(`gemm: ${name} must be an integer in \\[1, 2147483647\\], got ${String(name === 'M' ? M : name === 'N' ? N : K)}`));
    }
  });

  it('names an unknown layout', () => {
    expectEngineError(() => engine.gemm('tt' as GemmLayout, f32(1), f32(1), f32(1), 1, 1, 1), 'value',
      /layout must be one of 'nn', 'nt', 'tn', got "tt"/);
  });

  it('names an operand of the wrong length, with the shape its layout needs', () => {
    expectEngineError(() => engine.gemm('nn', f32(6), f32(11), f32(6), 2, 3, 4), 'shape',
      /A must have shape \[2, 4\] = 8 elements, got 6/);
    expectEngineError(() => engine.gemm('nt', f32(8), f32(11), f32(6), 2, 3, 4), 'shape',
      /B must have shape \[3, 4\] = 12 elements, got 11/);
    expectEngineError(() => engine.gemm('tn', f32(8), f32(12), f32(5), 2, 3, 4), 'shape',
      /C must have shape \[2, 3\] = 6 elements, got 5/);
  });

  it('names an operand that is not a Float32Array', () => {
    const a = new Float64Array(4) as unknown as Float32Array;
    expectEngineError(() => engine.gemm('nn', a, f32(4), f32(4), 2, 2, 2), 'dtype', /A must be a Float32Array, got Float64Array/);
    expectEngineError(() => engine.gemm('nn', f32(4), null as unknown as Float32Array, f32(4), 2, 2, 2), 'dtype',
      /B must be a Float32Array, got null/);
  });

  it('rejects a non-boolean accumulate flag', () => {
    expectEngineError(() => engine.gemm('nn', f32(1), f32(1), f32(1), 1, 1, 1, 1 as unknown as boolean), 'value',
      /accumulate must be a boolean/);
  });
});

describe('gemmPtr rejects bad pointers before calling the kernel', () => {
  // A valid layout for M = N = K = 4: A, B, C of 64 bytes each, then scratch, then a spare C slot.
  function layout() {
    const base = engine.arena.alloc(0, 64);
    const scratchBytes = engine.gemmScratchBytes(4, 4, 4);
    engine.arena.reserve(4 * 64 + scratchBytes);
    const s = base + 192;
    return { a: base, b: base + 64, c: base + 128, s, spareC: s + scratchBytes, end: engine.wasm.memory.buffer.byteLength };
  }

  it('accepts the valid layout', () => {
    const { a, b, c, s } = layout();
    engine.gemmPtr('nn', a, b, c, 4, 4, 4, false, s);
  });

  it('names a pointer that is negative, fractional, misaligned or below the heap base', () => {
    const { a, b, c, s } = layout();
    const base = engine.wasm.exports.heap_base();
    expectEngineError(() => engine.gemmPtr('nn', -4, b, c, 4, 4, 4, false, s), 'value',
      new RegExp(`pointer a must be a multiple of 4 at or above the heap base ${base}, got -4`));
    expectEngineError(() => engine.gemmPtr('nn', a, b + 0.5, c, 4, 4, 4, false, s), 'value', /pointer b must be .* got/);
    expectEngineError(() => engine.gemmPtr('nn', a, b, c + 2, 4, 4, 4, false, s), 'value', /pointer c must be .*multiple of 4/);
    expectEngineError(() => engine.gemmPtr('nn', a, b, c, 4, 4, 4, false, s + 4), 'value',
      /pointer scratch must be a multiple of 16 at or above the heap base/);
    // Below the heap base lie the module's constant tables: C written there would corrupt them.
    expectEngineError(() => engine.gemmPtr('nn', a, b, 0, 4, 4, 4, false, s), 'value',
      new RegExp(`pointer c must be a multiple of 4 at or above the heap base ${base}, got 0`));
  });

  it('names an operand that runs past the end of linear memory', () => {
    const { a, b, s, end } = layout();
    expectEngineError(() => engine.gemmPtr('nn', a, b, end - 32, 4, 4, 4, false, s), 'value',
      new RegExp(`C \\[4, 4\\] at pointer c = ${end - 32} spans bytes \\[${end - 32}, ${end + 32}\\), beyond linear memory \\(${end} bytes\\)`));
    expectEngineError(() => engine.gemmPtr('tn', end, b, s - 64, 4, 4, 4, false, s), 'value', /A \[4, 4\] at pointer a/);
  });

  it('names scratch that is too small for the sizes', () => {
    const { a, b, c, end } = layout();
    const need = engine.gemmScratchBytes(4, 4, 4);
    const s = Math.floor((end - need + 16) / 16) * 16;
    expectEngineError(() => engine.gemmPtr('nn', a, b, c, 4, 4, 4, false, s), 'value',
      new RegExp(`scratch \\(${need} bytes for M=4, N=4, K=4\\) at pointer scratch`));
  });

  it('names overlapping output and inputs, but lets A and B alias', () => {
    const { a, b, c, s, spareC } = layout();
    expectEngineError(() => engine.gemmPtr('nn', a, b, a + 16, 4, 4, 4, false, s), 'value',
      /c bytes \[\d+, \d+\) overlap a bytes \[\d+, \d+\); they must not overlap/);
    expectEngineError(() => engine.gemmPtr('nn', a, b, c, 4, 4, 4, false, c), 'value', /c bytes .* overlap scratch bytes/);
    // Scratch over A (and B), with C out of its way.
    expectEngineError(() => engine.gemmPtr('nn', a, b, spareC, 4, 4, 4, false, a), 'value', /scratch bytes .* overlap a bytes/);
    engine.gemmPtr('nt', a, a, c, 4, 4, 4, false, s);
  });
});
