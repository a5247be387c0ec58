/**
 * Host side of the flat elementwise kernels (assembly/elementwise.ts): the residual add, gradient
 * accumulation and in-place scaling.
 */
import type { Arena } from '../arena.js';
import type { WasmModule } from '../wasm.js';
import {
  checkArray, checkNumber, checkRegions, checkSize, isF32Finite, kernel, readF32, region, staged,
} from './boundary.js';

/** out = a + b in linear memory. a, b: [n] → out: [n]; out may be a or b. */
export function addPtr(wasm: WasmModule, a: number, b: number, out: number, n: number): void {
  const op = 'add_fwd';
  checkSize(op, 'n', n, 0);
  checkRegions(op, wasm, [region('a', a, n), region('b', b, n), region('out', out, n, true)], [['a', 'out'], ['b', 'out']]);
  kernel(wasm, op)(a, b, out, n);
}

/** dst += src in linear memory. src: [n] → dst: [n]. */
export function accumulatePtr(wasm: WasmModule, dst: number, src: number, n: number): void {
  const op = 'accumulate';
  checkSize(op, 'n', n, 0);
  checkRegions(op, wasm, [region('dst', dst, n, true), region('src', src, n)]);
  kernel(wasm, op)(dst, src, n);
}

/** x *= s in linear memory. x: [n]; s a finite float32. */
export function scaleInplacePtr(wasm: WasmModule, x: number, n: number, s: number): void {
  const op = 'scale_inplace';
  checkSize(op, 'n', n, 0);
  checkNumber(op, 's', s, isF32Finite, 'a finite float32');
  checkRegions(op, wasm, [region('x', x, n, true)]);
  kernel(wasm, op)(x, n, s);
}

/** out = a + b on arrays. a, b: [n] → out: [n]. */
export function add(wasm: WasmModule, arena: Arena, a: Float32Array, b: Float32Array): Float32Array {
  const op = 'add_fwd';
  checkArray(op, 'a', a, Float32Array);
  checkArray(op, 'b', b, Float32Array, [a.length]);
  return staged(arena, [a, b], ([pa, pb]) => {
    addPtr(wasm, pa, pb, pa, a.length);
    return readF32(arena, pa, a.length);
  });
}

/** dst += src on arrays (dst is updated and returned). src, dst: [n]. */
export function accumulate(wasm: WasmModule, arena: Arena, dst: Float32Array, src: Float32Array): Float32Array {
  const op = 'accumulate';
  checkArray(op, 'dst', dst, Float32Array);
  checkArray(op, 'src', src, Float32Array, [dst.length]);
  staged(arena, [dst, src], ([pd, ps]) => {
    accumulatePtr(wasm, pd, ps, dst.length);
    dst.set(arena.f32view(pd, dst.length));
  });
  return dst;
}

/** x *= s on an array (x is updated and returned). */
export function scaleInplace(wasm: WasmModule, arena: Arena, x: Float32Array, s: number): Float32Array {
  checkArray('scale_inplace', 'x', x, Float32Array);
  staged(arena, [x], ([px]) => {
    scaleInplacePtr(wasm, px, x.length, s);
    x.set(arena.f32view(px, x.length));
  });
  return x;
}
