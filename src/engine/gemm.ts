/**
 * The host side of GEMM: argument validation at the boundary, a pointer-level call for the engine,
 * and a Float32Array-level call for tests and users.
 *
 *   layout  computes        A stored as  B stored as  C
 *   'nn'    C (+)= A·B      [M, K]       [K, N]       [M, N]
 *   'nt'    C (+)= A·Bᵀ     [M, K]       [N, K]       [M, N]
 *   'tn'    C (+)= Aᵀ·B     [K, M]       [K, N]       [M, N]
 *
 * Every argument is checked before the kernel runs, so a bad size or pointer throws a
 * `DiffAttnError` naming it instead of trapping (or silently corrupting memory) inside WASM.
 */
import { check } from '../errors.js';
import type { Arena } from './arena.js';
import { type Region, checkArray, checkRegions, checkSize } from './kernels/boundary.js';
import type { WasmModule } from './wasm.js';

/** Which operands are stored transposed; see the table above. */
export type GemmLayout = 'nn' | 'nt' | 'tn';

const LAYOUTS: readonly GemmLayout[] = ['nn', 'nt', 'tn'];

/** Stored shapes of A and B for a layout (C is always [M, N]). */
export function gemmOperandShapes(layout: GemmLayout, M: number, N: number, K: number):
  { a: [number, number]; b: [number, number] } {
  return {
    a: layout === 'tn' ? [K, M] : [M, K],
    b: layout === 'nt' ? [N, K] : [K, N],
  };
}

/** Bytes of 16-byte-aligned scratch `gemmPtr` needs for these sizes (at most ≈ 2.1 MiB). */
export function gemmScratchBytes(wasm: WasmModule, M: number, N: number, K: number): number {
  checkSizes(M, N, K);
  return wasm.exports.gemm_scratch_bytes(M, N, K);
}

/**
 * C (+)= op(A)·op(B) on operands already in linear memory (byte offsets, at or above the heap
 * base like every kernel operand). `scratch` must hold `gemm_scratch_bytes(M, N, K)` bytes,
 * 16-byte aligned; C may not overlap A, B or scratch, and scratch may not overlap A or B (A and B
 * may alias each other).
 * a: see layout, b: see layout → c: [M, N]
 */
export function gemmPtr(wasm: WasmModule, layout: GemmLayout, a: number, b: number, c: number,
  M: number, N: number, K: number, accumulate: boolean, scratch: number): void {
  checkLayout(layout);
  checkSizes(M, N, K);
  checkAccumulate(accumulate);
  const shapes = gemmOperandShapes(layout, M, N, K);
  const scratchBytes = wasm.exports.gemm_scratch_bytes(M, N, K);
  // The written operands first, so an overlap message names the written one first.
  const regions: Region[] = [
    { name: 'c', what: () => `C [${M}, ${N}]`, ptr: c, bytes: 4 * M * N, written: true },
    { name: 'scratch', what: () => `scratch (${scratchBytes} bytes for M=${M}, N=${N}, K=${K})`, ptr: scratch, bytes: scratchBytes,
      written: true, align: 16 },
    { name: 'a', what: () => `A [${shapes.a.join(', ')}]`, ptr: a, bytes: 4 * M * K, written: false },
    { name: 'b', what: () => `B [${shapes.b.join(', ')}]`, ptr: b, bytes: 4 * K * N, written: false },
  ];
  checkRegions('gemm', wasm, regions);
  const kernel = layout === 'nn' ? wasm.exports.gemm_nn : layout === 'nt' ? wasm.exports.gemm_nt : wasm.exports.gemm_tn;
  kernel(a, b, c, M, N, K, accumulate ? 1 : 0, scratch);
}

/**
 * C (+)= op(A)·op(B) on Float32Arrays: copies A, B (and C when accumulating) into the arena,
 * runs the kernel, copies C back and frees the arena space again. Returns C.
 * A: see layout, B: see layout → C: [M, N]
 */
export function gemmArrays(wasm: WasmModule, arena: Arena, layout: GemmLayout, A: Float32Array, B: Float32Array,
  C: Float32Array, M: number, N: number, K: number, accumulate: boolean): Float32Array {
  checkLayout(layout);
  checkSizes(M, N, K);
  checkAccumulate(accumulate);
  const shapes = gemmOperandShapes(layout, M, N, K);
  checkArray('gemm', 'A', A, Float32Array, shapes.a);
  checkArray('gemm', 'B', B, Float32Array, shapes.b);
  checkArray('gemm', 'C', C, Float32Array, [M, N]);
  const mark = arena.top;
  try {
    const scratchBytes = wasm.exports.gemm_scratch_bytes(M, N, K);
    // One reservation (so memory grows at most once), then the allocations; views are taken after.
    arena.reserve(4 * (A.length + B.length + C.length) + scratchBytes + 4 * 64);
    const a = arena.alloc(4 * A.length, 64);
    const b = arena.alloc(4 * B.length, 64);
    const c = arena.alloc(4 * C.length, 64);
    const scratch = arena.alloc(scratchBytes, 64);
    arena.f32view(a, A.length).set(A);
    arena.f32view(b, B.length).set(B);
    if (accumulate) arena.f32view(c, C.length).set(C);
    gemmPtr(wasm, layout, a, b, c, M, N, K, accumulate, scratch);
    C.set(arena.f32view(c, C.length));
    return C;
  } finally {
    arena.reset(mark);
  }
}

function checkLayout(layout: GemmLayout): void {
  check(LAYOUTS.includes(layout), 'value', () =>
    `gemm: layout must be one of ${LAYOUTS.map((l) => `'${l}'`).join(', ')}, got ${JSON.stringify(layout)}`);
}

function checkSizes(M: number, N: number, K: number): void {
  checkSize('gemm', 'M', M);
  checkSize('gemm', 'N', N);
  checkSize('gemm', 'K', K);
}

function checkAccumulate(accumulate: boolean): void {
  check(typeof accumulate === 'boolean', 'value', () =>
    `gemm: accumulate must be a boolean (false overwrites C, true adds to it), got ${String(accumulate)}`);
}
