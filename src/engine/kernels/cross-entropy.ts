/**
 * Host side of the fused cross-entropy loss and gradient (assembly/cross-entropy.ts).
 * The kernel returns per-row losses and the count of rows that were not ignored; the mean loss
 * (PyTorch's default reduction) is Σ losses / count, and its gradient needs gradScale = 1/count.
 */
import type { Arena } from '../arena.js';
import type { WasmModule } from '../wasm.js';
import {
  checkArray, checkIds, checkIdsInMemory, checkNumber, checkRegions, checkSize, isF32Finite, kernel, readF32, region,
  staged,
} from './boundary.js';

/** PyTorch's default ignore_index. */
export const IGNORE_INDEX = -100;

/**
 * Loss and gradient in linear memory. logits: [N, V], targets: i32 [N] (each in [0, V) or
 * ignoreIndex) → losses: [N], dlogits: [N, V] = (softmax − onehot)·gradScale (zero rows where
 * ignored). dlogits may be logits (in place). Returns the number of counted rows.
 */
export function xentPtr(wasm: WasmModule, logits: number, targets: number, losses: number, dlogits: number,
  N: number, V: number, gradScale: number, ignoreIndex = IGNORE_INDEX): number {
  const op = 'xent_fwd_bwd';
  checkScalars(op, N, V, gradScale, ignoreIndex);
  checkRegions(op, wasm, [
    region('logits', logits, N * V), region('targets', targets, N),
    region('losses', losses, N, true), region('dlogits', dlogits, N * V, true),
  ], [['logits', 'dlogits']]);
  checkIdsInMemory(op, 'targets', wasm, targets, N, V, ignoreIndex);
  return kernel(wasm, op)(logits, targets, losses, dlogits, N, V, gradScale, ignoreIndex);
}

/** Options of `xent`. */
export interface XentOptions {
  /** Scale of the gradient; default 1/count, the gradient of the mean loss. */
  gradScale?: number;
  /** Targets equal to this are left out (default −100, as in PyTorch). */
  ignoreIndex?: number;
}

/**
 * On arrays. logits: [N, V], targets: Int32Array [N] → loss (the mean over counted rows, NaN
 * when every row is ignored, as PyTorch), losses: [N], dlogits: [N, V], count.
 */
export function xent(wasm: WasmModule, arena: Arena, logits: Float32Array, targets: Int32Array, N: number, V: number,
  options: XentOptions = {}): { loss: number; losses: Float32Array; dlogits: Float32Array; count: number } {
  const op = 'xent_fwd_bwd';
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  checkSize(op, 'N', N, 0);
  checkSize(op, 'V', V);
  checkArray(op, 'logits', logits, Float32Array, [N, V]);
  checkArray(op, 'targets', targets, Int32Array, [N]);
  checkNumber(op, 'ignoreIndex', ignoreIndex, Number.isInteger, 'an integer');
  checkIds(op, 'targets', targets, V, ignoreIndex);
  const counted = targets.reduce((c, t) => c + (t === ignoreIndex ? 0 : 1), 0);
  const gradScale = options.gradScale ?? (counted > 0 ? 1 / counted : 0);
  return staged(arena, [logits, targets, new Float32Array(N)], ([pz, pt, pl]) => {
    const count = xentPtr(wasm, pz, pt, pl, pz, N, V, gradScale, ignoreIndex);
    const losses = readF32(arena, pl, N);
    const loss = count > 0 ? losses.reduce((s, l) => s + l, 0) / count : NaN;
    return { loss, losses, dlogits: readF32(arena, pz, N * V), count };
  });
}

function checkScalars(op: string, N: number, V: number, gradScale: number, ignoreIndex: number): void {
  checkSize(op, 'N', N, 0);
  checkSize(op, 'V', V);
  checkSize(op, 'N·V', N * V, 0);
  checkNumber(op, 'gradScale', gradScale, isF32Finite, 'a finite float32');
  checkNumber(op, 'ignoreIndex', ignoreIndex, (v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31,
    'an i32 integer');
}
