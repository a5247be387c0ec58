/**
 * What every kernel wrapper in this folder shares: the raw signatures of the kernels, argument
 * checks that throw `DiffAttnError` naming the argument, the expected and the actual value, and
 * the staging of Float32Arrays through the arena for the array-level calls.
 *
 * Each wrapper comes in two forms (as `gemmPtr` / `gemmArrays` in ../gemm.ts):
 *  - `…Ptr(wasm, pointers…, sizes…)` for the engine, which plans memory once and passes byte
 *    offsets: sizes, pointers (4-byte aligned, inside the arena, not partly overlapping) and any
 *    ids are checked, nothing is copied;
 *  - an array form for tests and users: Float32Arrays are checked, copied into the arena, the
 *    kernel runs, results are copied out and the arena is reset to where it was.
 */
import { DiffAttnError, check } from '../../errors.js';
import type { Arena } from '../arena.js';
import type { WasmModule } from '../wasm.js';

/** Largest value of an i32 size argument. */
export const MAX_I32 = 2 ** 31 - 1;
/** Largest finite float32. */
const F32_MAX = 3.4028234663852886e38;

/** Raw exports of assembly/{norm,rotary,swiglu,embedding,elementwise,cross-entropy,adamw}.ts. */
export interface KernelExports {
  rmsnorm_fwd(x: number, w: number, y: number, rstd: number, rows: number, n: number, eps: number): void;
  rmsnorm_bwd(dy: number, x: number, w: number, rstd: number, dx: number, dw: number, rows: number, n: number): void;
  rotary_fwd(x: number, cos: number, sin: number, rows: number, T: number, H: number, D: number, half: number,
    interleaved: number, pos0: number, sign: number): void;
  swiglu_fwd(gate: number, up: number, h: number, n: number): void;
  swiglu_bwd(dh: number, gate: number, up: number, dgate: number, dup: number, n: number): void;
  embedding_fwd(ids: number, W: number, out: number, n: number, C: number): void;
  embedding_bwd(ids: number, dout: number, dW: number, n: number, C: number): void;
  add_fwd(a: number, b: number, out: number, n: number): void;
  accumulate(dst: number, src: number, n: number): void;
  scale_inplace(x: number, n: number, s: number): void;
  xent_fwd_bwd(logits: number, targets: number, losses: number, dlogits: number, N: number, V: number,
    gradScale: number, ignoreIndex: number): number;
  adamw_step(p: number, g: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, bias1: number, bias2: number): void;
  sumsq(x: number, n: number): number;
  sigmoid_fwd(x: number, y: number, n: number): void;
  sigmoid_bwd(dy: number, x: number, dx: number, n: number): void;
}

/** The kernel `name` of a loaded module; a module built before the kernel existed is refused. */
export function kernel<K extends keyof KernelExports>(wasm: WasmModule, name: K): KernelExports[K] {
  const fn = (wasm.exports as unknown as Partial<KernelExports>)[name];
  if (typeof fn !== 'function') {
    throw new DiffAttnError('unsupported',
      `diffattn engine: the loaded WebAssembly module (${wasm.source}) has no kernel '${name}'; rebuild it with \`npm run build:wasm\``);
  }
  return fn as KernelExports[K];
}

/** Checks that a size argument is an integer in [min, MAX_I32]. */
export function checkSize(op: string, name: string, v: number, min = 1): void {
  check(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= MAX_I32, 'value', () =>
    `${op}: ${name} must be an integer in [${min}, ${MAX_I32}], got ${String(v)}`);
}

/**
 * Checks that a number satisfies `ok` (which must reject NaN), described as `expected` (a function
 * when the description is built from values: it then runs only for the message).
 */
export function checkNumber(op: string, name: string, v: number, ok: (v: number) => boolean, expected: string | (() => string)): void {
  check(typeof v === 'number' && ok(v), 'value', () =>
    `${op}: ${name} must be ${typeof expected === 'string' ? expected : expected()}, got ${String(v)}`);
}

/** Whether v is finite in float32 (the kernels receive f32 scalars). */
export function isF32Finite(v: number): boolean {
  return Math.abs(v) <= F32_MAX;
}

type ArrayKind = Float32ArrayConstructor | Int32ArrayConstructor;

/** Checks that `x` is an array of `kind`, with as many elements as `shape` holds (any, when omitted). */
export function checkArray(op: string, name: string, x: unknown, kind: ArrayKind, shape?: readonly number[]): void {
  if (!(x instanceof kind)) {
    const got = x === null || typeof x !== 'object' ? String(x) : (x as object).constructor?.name ?? 'object';
    throw new DiffAttnError('dtype', `${op}: ${name} must be a ${kind.name}, got ${got}`);
  }
  if (shape === undefined) return;
  const n = shape.reduce((p, d) => p * d, 1);
  check(x.length === n, 'shape', () =>
    `${op}: ${name} must have shape [${shape.join(', ')}] = ${n} elements, got ${x.length}`);
}

/** An operand of a pointer-level call: `bytes` bytes at byte offset `ptr`. */
export interface Region {
  name: string;
  ptr: number;
  bytes: number;
  /** The kernel writes it (overlaps with a written region are refused). */
  written: boolean;
  /** Required alignment of `ptr` in bytes (default 4: one f32 or i32). */
  align?: number;
  /** What the operand is, for messages, e.g. `C [4, 4]` (default: its name); built only for one. */
  what?: () => string;
}

/** A region of `elements` 4-byte elements (f32 or i32) at `ptr`. */
export function region(name: string, ptr: number, elements: number, written = false): Region {
  return { name, ptr, bytes: 4 * elements, written };
}

/**
 * Checks the operands of a pointer-level call: each lies in the arena (at or above the module's
 * heap base, so static data cannot be overwritten) and inside linear memory, aligned to its
 * `align` (4 unless given); no written region overlaps another region, except the pairs in
 * `sameOk`, which may also be the very same buffer (an in-place call) but not partly overlap.
 */
export function checkRegions(op: string, wasm: WasmModule, regions: readonly Region[],
  sameOk: ReadonlyArray<readonly [string, string]> = []): void {
  const memBytes = wasm.memory.buffer.byteLength;
  const base = wasm.exports.heap_base();
  for (const r of regions) {
    const align = r.align ?? 4;
    check(typeof r.ptr === 'number' && Number.isSafeInteger(r.ptr) && r.ptr % align === 0 && r.ptr >= base, 'value', () =>
      `${op}: pointer ${r.name} must be a multiple of ${align} at or above the heap base ${base}, got ${String(r.ptr)}`);
    check(r.ptr + r.bytes <= memBytes, 'value', () =>
      `${op}: ${r.what === undefined ? r.name : `${r.what()} at pointer ${r.name} = ${r.ptr}`} spans bytes ` +
      `[${r.ptr}, ${r.ptr + r.bytes}), beyond linear memory (${memBytes} bytes)`);
  }
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      const [a, b] = [regions[i], regions[j]];
      if (!(a.written || b.written) || a.bytes === 0 || b.bytes === 0) continue;
      if (a.ptr + a.bytes <= b.ptr || b.ptr + b.bytes <= a.ptr) continue;
      const allowed = sameOk.some(([x, y]) => (x === a.name && y === b.name) || (x === b.name && y === a.name));
      check(allowed && a.ptr === b.ptr && a.bytes === b.bytes, 'value', () =>
        `${op}: ${a.name} bytes [${a.ptr}, ${a.ptr + a.bytes}) overlap ${b.name} bytes [${b.ptr}, ${b.ptr + b.bytes}); ` +
        (allowed ? `they may be the same buffer, but must not partly overlap` : `they must not overlap`));
    }
  }
}

/**
 * Checks integer ids already in linear memory (i32 [n] at `ptr`, a region checked before): each
 * lies in [0, limit), or equals `ignore` when given. The kernels index tables with them as they are.
 */
export function checkIdsInMemory(op: string, name: string, wasm: WasmModule, ptr: number, n: number, limit: number,
  ignore?: number): void {
  checkIds(op, name, new Int32Array(wasm.memory.buffer, ptr, n), limit, ignore);
}

/** As `checkIdsInMemory`, for ids in a host array. */
export function checkIds(op: string, name: string, ids: Int32Array, limit: number, ignore?: number): void {
  for (let p = 0; p < ids.length; p++) {
    const id = ids[p];
    if ((id >= 0 && id < limit) || id === ignore) continue;
    throw new DiffAttnError('value', `${op}: ${name}[${p}] = ${id} is outside [0, ${limit})` +
      (ignore === undefined ? '' : ` and is not the ignore index ${ignore}`));
  }
}

/**
 * Copies `arrays` into fresh 64-byte-aligned arena blocks, calls `body` with their pointers, and
 * resets the arena to where it was (also when `body` throws). Memory grows at most once, before
 * any view is taken, so views made inside `body` stay valid until it returns.
 */
export function staged<T>(arena: Arena, arrays: ReadonlyArray<Float32Array | Int32Array>, body: (ptrs: number[]) => T): T {
  const mark = arena.top;
  try {
    arena.reserve(arrays.reduce((s, a) => s + a.byteLength + 64, 64));
    const ptrs = arrays.map((a) => arena.alloc(a.byteLength, 64));
    arrays.forEach((a, i) => {
      const view = a instanceof Int32Array ? new Int32Array(arena.memory.buffer, ptrs[i], a.length) : arena.f32view(ptrs[i], a.length);
      view.set(a);
    });
    return body(ptrs);
  } finally {
    arena.reset(mark);
  }
}

/** A copy of `n` floats at `ptr` (a staged result), detached from linear memory. */
export function readF32(arena: Arena, ptr: number, n: number): Float32Array {
  return arena.f32view(ptr, n).slice();
}
