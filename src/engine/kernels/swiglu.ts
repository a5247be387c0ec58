/**
 * Host side of the SwiGLU gate (assembly/swiglu.ts): h = silu(gate) ⊙ up, elementwise over
 * n = B·T·hidden, and its backward.
 */
import type { Arena } from '../arena.js';
import type { WasmModule } from '../wasm.js';
import { checkArray, checkRegions, checkSize, kernel, readF32, region, staged } from './boundary.js';

/** Forward in linear memory. gate, up: [n] → h: [n]; h may be gate or up. */
export function swigluFwdPtr(wasm: WasmModule, gate: number, up: number, h: number, n: number): void {
  const op = 'swiglu_fwd';
  checkSize(op, 'n', n, 0);
  checkRegions(op, wasm, [region('gate', gate, n), region('up', up, n), region('h', h, n, true)],
    [['gate', 'h'], ['up', 'h']]);
  kernel(wasm, op)(gate, up, h, n);
}

/**
 * Backward in linear memory. dh, gate, up: [n] → dgate, dup: [n]. Each output may be one of the
 * inputs (in place), but dgate and dup must be different buffers.
 */
export function swigluBwdPtr(wasm: WasmModule, dh: number, gate: number, up: number, dgate: number, dup: number,
  n: number): void {
  const op = 'swiglu_bwd';
  checkSize(op, 'n', n, 0);
  const inputs = ['dh', 'gate', 'up'];
  checkRegions(op, wasm, [
    region('dh', dh, n), region('gate', gate, n), region('up', up, n),
    region('dgate', dgate, n, true), region('dup', dup, n, true),
  ], inputs.flatMap((i) => [['dgate', i], ['dup', i]] as const));
  kernel(wasm, op)(dh, gate, up, dgate, dup, n);
}

/** Forward on arrays. gate, up: [n] → h: [n]. */
export function swigluFwd(wasm: WasmModule, arena: Arena, gate: Float32Array, up: Float32Array): Float32Array {
  const op = 'swiglu_fwd';
  checkArray(op, 'gate', gate, Float32Array);
  checkArray(op, 'up', up, Float32Array, [gate.length]);
  const n = gate.length;
  return staged(arena, [gate, up, new Float32Array(n)], ([pg, pu, ph]) => {
    swigluFwdPtr(wasm, pg, pu, ph, n);
    return readF32(arena, ph, n);
  });
}

/** Backward on arrays. dh, gate, up: [n] → dgate, dup: [n]. */
export function swigluBwd(wasm: WasmModule, arena: Arena, dh: Float32Array, gate: Float32Array, up: Float32Array):
  { dgate: Float32Array; dup: Float32Array } {
  const op = 'swiglu_bwd';
  checkArray(op, 'dh', dh, Float32Array);
  checkArray(op, 'gate', gate, Float32Array, [dh.length]);
  checkArray(op, 'up', up, Float32Array, [dh.length]);
  const n = dh.length;
  return staged(arena, [dh, gate, up, new Float32Array(n), new Float32Array(n)], ([pdh, pg, pu, pdg, pdu]) => {
    swigluBwdPtr(wasm, pdh, pg, pu, pdg, pdu, n);
    return { dgate: readF32(arena, pdg, n), dup: readF32(arena, pdu, n) };
  });
}
