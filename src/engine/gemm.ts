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
import { DiffAttnError, check } from '../errors.js';
import type { Arena } from './arena.js';
import type { WasmModule } from './wasm.js';

/** Which operands are stored transposed; see the table above. */
export type GemmLayout = 'nn' | 'nt' | 'tn';

const LAYOUTS: readonly GemmLayout[] = ['nn', 'nt', 'tn'];
const MAX_I32 = 2 ** 31 - 1;

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
 * C (+)= op(A)·op(B) on operands already in linear memory (byte offsets). `scratch` must hold
 * `gemm_scratch_bytes(M, N, K)` bytes, 16-byte aligned; C may not overlap A, B or scratch, and
 * scratch may not overlap A or B (A and B may alias each other).
 * a: see layout, b: see layout → c: [M, N]
 */
export function gemmPtr(wasm: WasmModule, layout: GemmLayout, a: number, b: number, c: number,
  M: number, N: number, K: number, accumulate: boolean, scratch: number): void {
  checkLayout(layout);
  checkSizes(M, N, K);
  checkAccumulate(accumulate);
  const memBytes = wasm.memory.buffer.byteLength;
  const shapes = gemmOperandShapes(layout, M, N, K);
  const scratchBytes = wasm.exports.gemm_scratch_bytes(M, N, K);
  const regions = [
    region('a', `A [${shapes.a.join(', ')}]`, a, 4 * M * K, 4),
    region('b', `B [${shapes.b.join(', ')}]`, b, 4 * K * N, 4),
    region('c', `C [${M}, ${N}]`, c, 4 * M * N, 4),
    region('scratch', `scratch (${scratchBytes} bytes for M=${M}, N=${N}, K=${K})`, scratch, scratchBytes, 16),
  ];
  for (const r of regions) checkRegion(r, memBytes);
  const [ra, rb, rc, rs] = regions;
  for (const [x, y] of [[rc, ra], [rc, rb], [rc, rs], [rs, ra], [rs, rb]]) checkDisjoint(x, y);
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
  checkArray('A', A, shapes.a);
  checkArray('B', B, shapes.b);
  checkArray('C', C, [M, N]);
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

interface Region {
  arg: string;
  what: string;
  ptr: number;
  bytes: number;
  align: number;
}

function region(arg: string, what: string, ptr: number, bytes: number, align: number): Region {
  return { arg, what, ptr, bytes, align };
}

function checkLayout(layout: GemmLayout): void {
  check(LAYOUTS.includes(layout), 'value', () =>
    `gemm: layout must be one of ${LAYOUTS.map((l) => `'${l}'`).join(', ')}, got ${JSON.stringify(layout)}`);
}

function checkSizes(M: number, N: number, K: number): void {
  for (const [name, v] of [['M', M], ['N', N], ['K', K]] as const) {
    check(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_I32, 'value', () =>
      `gemm: ${name} must be an integer in [1, ${MAX_I32}], got ${String(v)}`);
  }
}

function checkAccumulate(accumulate: boolean): void {
  check(typeof accumulate === 'boolean', 'value', () =>
    `gemm: accumulate must be a boolean (false overwrites C, true adds to it), got ${String(accumulate)}`);
}

function checkArray(name: string, x: Float32Array, shape: [number, number]): void {
  if (!(x instanceof Float32Array)) {
    const got = x === null || typeof x !== 'object' ? String(x) : (x as object).constructor?.name ?? 'object';
    throw new DiffAttnError('dtype', `gemm: ${name} must be a Float32Array, got ${got}`);
  }
  const n = shape[0] * shape[1];
  check(x.length === n, 'shape', () =>
    `gemm: ${name} must have shape [${shape.join(', ')}] = ${n} elements, got ${x.length}`);
}

function checkRegion(r: Region, memBytes: number): void {
  check(Number.isSafeInteger(r.ptr) && r.ptr >= 0 && r.ptr % r.align === 0, 'value', () =>
    `gemm: pointer ${r.arg} must be a non-negative integer multiple of ${r.align}, got ${r.ptr}`);
  check(r.ptr + r.bytes <= memBytes, 'value', () =>
    `gemm: ${r.what} at pointer ${r.arg} = ${r.ptr} spans bytes [${r.ptr}, ${r.ptr + r.bytes}), ` +
    `beyond linear memory (${memBytes} bytes)`);
}

function checkDisjoint(x: Region, y: Region): void {
  check(x.ptr + x.bytes <= y.ptr || y.ptr + y.bytes <= x.ptr, 'value', () =>
    `gemm: ${x.arg} bytes [${x.ptr}, ${x.ptr + x.bytes}) overlap ${y.arg} bytes [${y.ptr}, ${y.ptr + y.bytes}); ` +
    `${x.arg} must not overlap ${y.arg}`);
}
