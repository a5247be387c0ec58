/**
 * A bump allocator over the module's linear memory.
 *
 * The engine plans its buffers (weights, activations, scratch) up front, so allocation is a
 * pointer bump and memory grows once: `reserve(total)` grows to what the whole plan needs before
 * the first `alloc`, and later allocations only move the top. `alloc` still grows on demand (one
 * `memory.grow` per call that does not fit) so ad-hoc callers work too.
 *
 * Growing replaces `memory.buffer` (old typed-array views become detached and read as empty), so
 * take views with `f32view` after the last allocation of a phase, never cache them across one.
 */
import { DiffAttnError, check } from '../errors.js';

const PAGE = 65536;
/** WebAssembly memory32 addresses at most 2³² bytes (65,536 pages). */
export const MAX_MEMORY_BYTES = 2 ** 32;

export class Arena {
  /** The module's linear memory the arena hands out. */
  readonly memory: WebAssembly.Memory;
  /** First byte the arena may hand out (the module's heap base, rounded up). */
  readonly base: number;
  private next: number;

  /** An arena over `memory` handing out bytes from `base` upwards. */
  constructor(memory: WebAssembly.Memory, base: number) {
    check(Number.isSafeInteger(base) && base >= 0, 'value', () =>
      `Arena: base must be a non-negative integer, got ${base}`);
    this.memory = memory;
    this.base = alignUp(base, 64);
    this.next = this.base;
  }

  /** The next free byte; pass it to `reset` to free everything allocated after this point. */
  get top(): number {
    return this.next;
  }

  /** Current size of linear memory in bytes. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Makes sure `bytes` more bytes fit above the top, growing memory at most once. A plan passes
   * its total here, alignment padding of its allocations included.
   */
  reserve(bytes: number): void {
    checkBytes(bytes, 'reserve');
    this.ensure(this.next + bytes);
  }

  /**
   * Returns a pointer to `bytes` bytes aligned to `align` (a power of two), growing memory if they
   * do not fit. The bytes are not cleared: a reused region holds whatever was written before.
   */
  alloc(bytes: number, align = 16): number {
    checkBytes(bytes, 'alloc');
    check(Number.isSafeInteger(align) && align >= 1 && (align & (align - 1)) === 0, 'value', () =>
      `Arena.alloc: align must be a power of two, got ${align}`);
    const ptr = alignUp(this.next, align);
    this.ensure(ptr + bytes);
    this.next = ptr + bytes;
    return ptr;
  }

  /** Frees everything allocated after `mark` (a value of `top`); with no argument, everything. */
  reset(mark = this.base): void {
    check(Number.isSafeInteger(mark) && mark >= this.base && mark <= this.next, 'value', () =>
      `Arena.reset: mark must lie in [${this.base}, ${this.next}] (the arena's base and top), got ${mark}`);
    this.next = mark;
  }

  /** A Float32Array over `n` floats at byte offset `ptr` (4-byte aligned, inside memory). */
  f32view(ptr: number, n: number): Float32Array {
    check(Number.isSafeInteger(ptr) && ptr >= 0 && ptr % 4 === 0, 'value', () =>
      `Arena.f32view: ptr must be a non-negative multiple of 4, got ${ptr}`);
    check(Number.isSafeInteger(n) && n >= 0 && ptr + 4 * n <= this.capacity, 'value', () =>
      `Arena.f32view: ${n} floats at byte ${ptr} end at byte ${ptr + 4 * n}, beyond linear memory (${this.capacity} bytes)`);
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  // Grows linear memory (once) so that byte `end` - 1 exists.
  private ensure(end: number): void {
    const have = this.capacity;
    if (end <= have) return;
    if (end > MAX_MEMORY_BYTES) {
      throw new DiffAttnError('memory',
        `diffattn engine: needs ${end} bytes of linear memory (${(end / 2 ** 30).toFixed(2)} GiB), more than ` +
        `the 4 GiB (${MAX_MEMORY_BYTES} bytes) a 32-bit WebAssembly memory can address`);
    }
    const pages = Math.ceil((end - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch (err) {
      throw new DiffAttnError('memory',
        `diffattn engine: could not grow linear memory from ${have} to ${have + pages * PAGE} bytes ` +
        `(${end} bytes needed): ${(err as Error).message}`);
    }
  }
}

function checkBytes(bytes: number, what: string): void {
  check(Number.isSafeInteger(bytes) && bytes >= 0, 'value', () =>
    `Arena.${what}: bytes must be a non-negative integer, got ${bytes}`);
}

function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}
