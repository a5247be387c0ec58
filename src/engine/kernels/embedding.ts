/**
 * Host side of the token embedding (assembly/embedding.ts): a row lookup forward, a scatter-add
 * backward. Every id is checked against [0, V) here — in linear memory for the pointer calls —
 * because the kernels index the table with the ids as they are.
 */
import type { Arena } from '../arena.js';
import type { WasmModule } from '../wasm.js';
import {
  checkArray, checkIds, checkIdsInMemory, checkRegions, checkSize, kernel, readF32, region, staged,
} from './boundary.js';

/** Forward in linear memory. ids: i32 [n] in [0, V), W: [V, C] → out: [n, C]. */
export function embeddingFwdPtr(wasm: WasmModule, ids: number, W: number, out: number, n: number, V: number,
  C: number): void {
  const op = 'embedding_fwd';
  checkShape(op, n, V, C);
  checkRegions(op, wasm, [region('ids', ids, n), region('W', W, V * C), region('out', out, n * C, true)]);
  checkIdsInMemory(op, 'ids', wasm, ids, n, V);
  kernel(wasm, op)(ids, W, out, n, C);
}

/** Backward in linear memory. ids: i32 [n] in [0, V), dout: [n, C] → dW: [V, C] += scatter (caller zeroes). */
export function embeddingBwdPtr(wasm: WasmModule, ids: number, dout: number, dW: number, n: number, V: number,
  C: number): void {
  const op = 'embedding_bwd';
  checkShape(op, n, V, C);
  checkRegions(op, wasm, [region('ids', ids, n), region('dout', dout, n * C), region('dW', dW, V * C, true)]);
  checkIdsInMemory(op, 'ids', wasm, ids, n, V);
  kernel(wasm, op)(ids, dout, dW, n, C);
}

/** Forward on arrays. ids: Int32Array [n], W: [V, C] → out: [n, C]. */
export function embeddingFwd(wasm: WasmModule, arena: Arena, ids: Int32Array, W: Float32Array, V: number,
  C: number): Float32Array {
  const op = 'embedding_fwd';
  checkArray(op, 'ids', ids, Int32Array);
  const n = ids.length;
  checkShape(op, n, V, C);
  checkArray(op, 'W', W, Float32Array, [V, C]);
  checkIds(op, 'ids', ids, V);
  return staged(arena, [ids, W, new Float32Array(n * C)], ([pi, pw, po]) => {
    embeddingFwdPtr(wasm, pi, pw, po, n, V, C);
    return readF32(arena, po, n * C);
  });
}

/** Backward on arrays. ids: Int32Array [n], dout: [n, C] → dW: [V, C] += scatter (in place); returns dW. */
export function embeddingBwd(wasm: WasmModule, arena: Arena, ids: Int32Array, dout: Float32Array, dW: Float32Array,
  V: number, C: number): Float32Array {
  const op = 'embedding_bwd';
  checkArray(op, 'ids', ids, Int32Array);
  const n = ids.length;
  checkShape(op, n, V, C);
  checkArray(op, 'dout', dout, Float32Array, [n, C]);
  checkArray(op, 'dW', dW, Float32Array, [V, C]);
  checkIds(op, 'ids', ids, V);
  staged(arena, [ids, dout, dW], ([pi, pd, pw]) => {
    embeddingBwdPtr(wasm, pi, pd, pw, n, V, C);
    dW.set(arena.f32view(pw, V * C));
  });
  return dW;
}

function checkShape(op: string, n: number, V: number, C: number): void {
  checkSize(op, 'n', n, 0);
  checkSize(op, 'V', V);
  checkSize(op, 'C', C);
  checkSize(op, 'V·C', V * C);
  checkSize(op, 'n·C', n * C, 0);
}
