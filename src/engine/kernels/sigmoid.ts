/**
 * Host side of the logistic kernels (assembly/sigmoid.ts), which DIFF V2 applies to its per-token,
 * per-head λ projection.
 */
import type { Arena } from '../arena.js';
import type { WasmModule } from '../wasm.js';
import { checkArray, checkRegions, checkSize, kernel, readF32, region, staged } from './boundary.js';

/** y = σ(x) in linear memory. x: [n] → y: [n]; y may be x. */
export function sigmoidFwdPtr(wasm: WasmModule, x: number, y: number, n: number): void {
  const op = 'sigmoid_fwd';
  checkSize(op, 'n', n, 0);
  checkRegions(op, wasm, [region('x', x, n), region('y', y, n, true)], [['x', 'y']]);
  kernel(wasm, op)(x, y, n);
}

/** dx = dy ⊙ σ'(x) in linear memory. dy, x: [n] → dx: [n]; dx may be dy or x. */
export function sigmoidBwdPtr(wasm: WasmModule, dy: number, x: number, dx: number, n: number): void {
  const op = 'sigmoid_bwd';
  checkSize(op, 'n', n, 0);
  checkRegions(op, wasm, [region('dy', dy, n), region('x', x, n), region('dx', dx, n, true)], [['dy', 'dx'], ['x', 'dx']]);
  kernel(wasm, op)(dy, x, dx, n);
}

/** σ(x) on an array. x: [n] → [n]. */
export function sigmoidFwd(wasm: WasmModule, arena: Arena, x: Float32Array): Float32Array {
  checkArray('sigmoid_fwd', 'x', x, Float32Array);
  return staged(arena, [x], ([px]) => {
    sigmoidFwdPtr(wasm, px, px, x.length);
    return readF32(arena, px, x.length);
  });
}

/** dy ⊙ σ'(x) on arrays. dy, x: [n] → [n]. */
export function sigmoidBwd(wasm: WasmModule, arena: Arena, dy: Float32Array, x: Float32Array): Float32Array {
  checkArray('sigmoid_bwd', 'dy', dy, Float32Array);
  checkArray('sigmoid_bwd', 'x', x, Float32Array, [dy.length]);
  return staged(arena, [dy, x], ([pdy, px]) => {
    sigmoidBwdPtr(wasm, pdy, px, pdy, dy.length);
    return readF32(arena, pdy, dy.length);
  });
}
