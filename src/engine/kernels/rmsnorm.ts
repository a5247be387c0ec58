/**
 * Host side of RMSNorm (assembly/norm.ts): y = x·r·w, r = 1/√(mean x² + ε) per row of n.
 * Used for the pre-norms (rows = B·T, n = C) and DIFF V1's per-head norm (rows = B·T·H, n = 2d).
 */
import type { Arena } from '../arena.js';
import type { WasmModule } from '../wasm.js';
import {
  checkArray, checkNumber, checkRegions, checkSize, isF32Finite, kernel, readF32, region, staged,
} from './boundary.js';

/**
 * Forward on operands in linear memory. x: [rows, n], w: [n] or 0 (no gain) → y: [rows, n],
 * rstd: [rows]. y may be x (in place). eps: finite, ≥ 0.
 */
export function rmsnormFwdPtr(wasm: WasmModule, x: number, w: number, y: number, rstd: number,
  rows: number, n: number, eps: number): void {
  const op = 'rmsnorm_fwd';
  checkShape(op, rows, n);
  checkNumber(op, 'eps', eps, (v) => v >= 0 && isF32Finite(v), 'a finite float32 ≥ 0');
  checkRegions(op, wasm, [
    region('x', x, rows * n), ...(w === 0 ? [] : [region('w', w, n)]),
    region('y', y, rows * n, true), region('rstd', rstd, rows, true),
  ], [['x', 'y']]);
  kernel(wasm, op)(x, w, y, rstd, rows, n, eps);
}

/**
 * Backward on operands in linear memory. dy, x: [rows, n], w: [n] or 0, rstd: [rows] (from the
 * forward) → dx: [rows, n]; dw: [n] += Σ_rows dy⊙x·r (the caller zeroes it; unused, may be 0,
 * when w is 0). dx may be dy (in place).
 */
export function rmsnormBwdPtr(wasm: WasmModule, dy: number, x: number, w: number, rstd: number, dx: number,
  dw: number, rows: number, n: number): void {
  const op = 'rmsnorm_bwd';
  checkShape(op, rows, n);
  const gain = w === 0 ? [] : [region('w', w, n), region('dw', dw, n, true)];
  checkRegions(op, wasm, [
    region('dy', dy, rows * n), region('x', x, rows * n), region('rstd', rstd, rows),
    region('dx', dx, rows * n, true), ...gain,
  ], [['dy', 'dx']]);
  kernel(wasm, op)(dy, x, w, rstd, dx, w === 0 ? 0 : dw, rows, n);
}

/** Forward on arrays. x: [rows, n], w: [n] or null → y: [rows, n], rstd: [rows]. */
export function rmsnormFwd(wasm: WasmModule, arena: Arena, x: Float32Array, w: Float32Array | null,
  rows: number, n: number, eps: number): { y: Float32Array; rstd: Float32Array } {
  const op = 'rmsnorm_fwd';
  checkShape(op, rows, n);
  checkArray(op, 'x', x, Float32Array, [rows, n]);
  if (w !== null) checkArray(op, 'w', w, Float32Array, [n]);
  const arrays = [x, new Float32Array(rows * n), new Float32Array(rows), ...(w === null ? [] : [w])];
  return staged(arena, arrays, ([px, py, pr, pw]) => {
    rmsnormFwdPtr(wasm, px, pw ?? 0, py, pr, rows, n, eps);
    return { y: readF32(arena, py, rows * n), rstd: readF32(arena, pr, rows) };
  });
}

/**
 * Backward on arrays. dy, x: [rows, n], w: [n] or null, rstd: [rows] → dx: [rows, n], and
 * dw: [n] accumulated into the `dw` passed (zeros when omitted; null without a gain).
 */
export function rmsnormBwd(wasm: WasmModule, arena: Arena, dy: Float32Array, x: Float32Array, w: Float32Array | null,
  rstd: Float32Array, rows: number, n: number, dw?: Float32Array): { dx: Float32Array; dw: Float32Array | null } {
  const op = 'rmsnorm_bwd';
  checkShape(op, rows, n);
  checkArray(op, 'dy', dy, Float32Array, [rows, n]);
  checkArray(op, 'x', x, Float32Array, [rows, n]);
  checkArray(op, 'rstd', rstd, Float32Array, [rows]);
  const acc = w === null ? null : dw ?? new Float32Array(n);
  if (w !== null) {
    checkArray(op, 'w', w, Float32Array, [n]);
    checkArray(op, 'dw', acc, Float32Array, [n]);
  }
  // dx is computed in place over the staged dy.
  const dx = staged(arena, [dy, x, rstd, ...(w === null ? [] : [w, acc!])], ([pdy, px, pr, pw, pdw]) => {
    rmsnormBwdPtr(wasm, pdy, px, pw ?? 0, pr, pdy, pdw ?? 0, rows, n);
    acc?.set(arena.f32view(pdw, n));
    return readF32(arena, pdy, rows * n);
  });
  return { dx, dw: acc };
}

function checkShape(op: string, rows: number, n: number): void {
  checkSize(op, 'rows', rows, 0);
  checkSize(op, 'n', n);
  checkSize(op, 'rows·n', rows * n, 0);
}
