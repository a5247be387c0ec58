/**
 * A memory plan: every buffer the engine will ever use, laid out once in WebAssembly linear
 * memory before anything runs. The engine never allocates per token or per step; it grows the
 * memory once to `plan.end` and hands kernels the planned offsets.
 */
import { DiffAttnError, check } from '../errors.js';
import { MAX_MEMORY_BYTES } from './arena.js';

export interface PlannedBuffer {
  name: string;
  /** Byte offset in linear memory. */
  offset: number;
  bytes: number;
  /** What the buffer is for, for `summary()`: weights, activations, cache, gradients, optimizer, scratch. */
  group: string;
}

export class MemoryPlan {
  private readonly buffers = new Map<string, PlannedBuffer>();
  private cursor: number;

  /** `base` is the first free byte (after the module's static data). */
  constructor(readonly base: number) {
    this.cursor = base;
  }

  /** Reserves `bytes` at `align`-byte alignment (default 64: a cache line, and f32x4-aligned). */
  add(name: string, bytes: number, group: string, align = 64): PlannedBuffer {
    check(!this.buffers.has(name), 'value', () => `memory plan: buffer '${name}' is planned twice`);
    check(Number.isSafeInteger(bytes) && bytes >= 0, 'value', () => `memory plan: buffer '${name}' needs a byte count ≥ 0, got ${bytes}`);
    const offset = Math.ceil(this.cursor / align) * align;
    const b = { name, offset, bytes, group };
    this.buffers.set(name, b);
    this.cursor = offset + bytes;
    return b;
  }

  /** A planned buffer by name. */
  get(name: string): PlannedBuffer {
    const b = this.buffers.get(name);
    if (!b) throw new DiffAttnError('missing', `memory plan: no buffer named '${name}'`);
    return b;
  }

  /** One past the last planned byte. */
  get end(): number {
    return this.cursor;
  }

  /** Bytes per group (weights, activations, …), for reports and `diffattn inspect`. */
  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const b of this.buffers.values()) out[b.group] = (out[b.group] ?? 0) + b.bytes;
    return out;
  }

  /** Throws a `DiffAttnError` stating the need when the plan cannot fit in a wasm32 memory. */
  assertFits(what: string): void {
    check(this.end <= MAX_MEMORY_BYTES, 'memory', () => {
      const parts = Object.entries(this.summary()).map(([g, n]) => `${g} ${formatBytes(n)}`).join(', ');
      return `${what} needs ${formatBytes(this.end)} of WebAssembly memory (${parts}), more than the 4 GiB a wasm32 module can address; reduce the batch, the context or the model`;
    });
  }
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
