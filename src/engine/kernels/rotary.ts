/**
 * Host side of rotary position embedding (assembly/rotary.ts), in place on x: [B·T, H, D].
 * Forward is sign +1; the backward is the same call with sign −1 on the gradient.
 */
import { check } from '../../errors.js';
import type { Arena } from '../arena.js';
import type { WasmModule } from '../wasm.js';
import { checkArray, checkNumber, checkRegions, checkSize, kernel, region, staged } from './boundary.js';

/** Pairs (2j, 2j+1) (GPT-J, the official code) or (j, j + half) (GPT-NeoX rotate_half). */
export type RotaryStyle = 'interleaved' | 'half';

/** Geometry of one rotary call. */
export interface RotaryShape {
  /** Positions per sequence: row r of x is at position pos0 + (r mod T). */
  T: number;
  /** Heads per row. */
  H: number;
  /** Channels per head. */
  D: number;
  /** Rotated pairs per head (rotary dim / 2, 2·half ≤ D); channels ≥ 2·half pass through. */
  half: number;
  style: RotaryStyle;
  /** Position of row 0 (decode: the token's position, with T = 1). */
  pos0: number;
  /** +1 rotates by +angle (forward), −1 by −angle (backward). */
  sign: 1 | -1;
}

/**
 * In place on operands in linear memory. x: [rows, H, D] with rows a multiple of T; cos, sin:
 * [maxPos, half] tables with pos0 + T ≤ maxPos.
 */
export function rotaryPtr(wasm: WasmModule, x: number, cos: number, sin: number, rows: number, maxPos: number,
  shape: RotaryShape): void {
  const op = 'rotary';
  checkShape(op, rows, maxPos, shape);
  const { T, H, D, half, style, pos0, sign } = shape;
  checkRegions(op, wasm, [region('x', x, rows * H * D, true), region('cos', cos, maxPos * half), region('sin', sin, maxPos * half)]);
  kernel(wasm, 'rotary_fwd')(x, cos, sin, rows, T, H, D, half, style === 'interleaved' ? 1 : 0, pos0, sign);
}

/**
 * On arrays: rotates x: [rows, H, D] in place and returns it. cos, sin: [maxPos, half].
 */
export function rotary(wasm: WasmModule, arena: Arena, x: Float32Array, cos: Float32Array, sin: Float32Array,
  rows: number, maxPos: number, shape: RotaryShape): Float32Array {
  const op = 'rotary';
  checkShape(op, rows, maxPos, shape);
  checkArray(op, 'x', x, Float32Array, [rows, shape.H, shape.D]);
  checkArray(op, 'cos', cos, Float32Array, [maxPos, shape.half]);
  checkArray(op, 'sin', sin, Float32Array, [maxPos, shape.half]);
  staged(arena, [x, cos, sin], ([px, pc, ps]) => {
    rotaryPtr(wasm, px, pc, ps, rows, maxPos, shape);
    x.set(arena.f32view(px, x.length));
  });
  return x;
}

function checkShape(op: string, rows: number, maxPos: number, s: RotaryShape): void {
  checkSize(op, 'rows', rows, 0);
  checkSize(op, 'T', s.T);
  checkSize(op, 'H', s.H);
  checkSize(op, 'D', s.D);
  checkSize(op, 'half', s.half, 0);
  checkSize(op, 'pos0', s.pos0, 0);
  checkSize(op, 'maxPos', maxPos, 0);
  checkNumber(op, 'half', s.half, (v) => 2 * v <= s.D, () => `at most D/2 = ${s.D / 2} (2·half channels rotate)`);
  checkNumber(op, 'rows', rows, (v) => v % s.T === 0, () => `a multiple of T = ${s.T} (rows are B·T positions)`);
  checkNumber(op, 'pos0', s.pos0, (v) => v + s.T <= maxPos, () => `at most maxPos − T = ${maxPos - s.T} (the tables hold ${maxPos} positions)`);
  checkNumber(op, 'sign', s.sign, (v) => v === 1 || v === -1, '+1 (forward) or −1 (backward)');
  check(s.style === 'interleaved' || s.style === 'half', 'value', () =>
    `${op}: style must be 'interleaved' or 'half', got ${JSON.stringify(s.style)}`);
  checkSize(op, 'rows·H·D', rows * s.H * s.D, 0);
}
