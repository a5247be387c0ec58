/**
 * The bump allocator over linear memory: alignment, growth, views, reset and the 4 GiB limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Arena, MAX_MEMORY_BYTES } from '../../src/engine/index.js';
import { expectEngineError } from './errors.js';

const PAGE = 65536;
const fresh = (pages = 1, base = 100) => new Arena(new WebAssembly.Memory({ initial: pages }), base);

describe('Arena', () => {
  it('hands out aligned, disjoint, in-order regions above the base', () => {
    fc.assert(fc.property(fc.array(fc.record({ bytes: fc.integer({ min: 0, max: 5000 }),
      align: fc.constantFrom(1, 4, 16, 64, 4096) }), { maxLength: 30 }), (specs) => {
      const arena = fresh();
      let prevEnd = arena.base;
      for (const { bytes, align } of specs) {
        const p = arena.alloc(bytes, align);
        expect(p % align).toBe(0);
        expect(p).toBeGreaterThanOrEqual(prevEnd);
        expect(p - prevEnd).toBeLessThan(align);
        prevEnd = p + bytes;
        expect(arena.capacity).toBeGreaterThanOrEqual(prevEnd);
      }
      expect(arena.top).toBe(prevEnd);
    }));
  });

  it('starts at the base rounded up to 64 bytes', () => {
    expect(fresh(1, 100).base).toBe(128);
    expect(fresh(1, 128).alloc(4)).toBe(128);
  });

  it('grows memory once for a reservation, and not again for allocations inside it', () => {
    const arena = fresh();
    const buffer0 = arena.memory.buffer;
    arena.reserve(10 * PAGE);
    const buffer1 = arena.memory.buffer;
    expect(buffer1).not.toBe(buffer0);
    expect(arena.capacity).toBe(11 * PAGE);
    for (let i = 0; i < 10; i++) arena.alloc(PAGE - 64, 64);
    expect(arena.memory.buffer).toBe(buffer1);
  });

  it('gives float views over the allocated bytes, and reset frees back to a mark', () => {
    const arena = fresh();
    const p = arena.alloc(16);
    arena.f32view(p, 4).set([1, 2, 3, 4]);
    const mark = arena.top;
    arena.alloc(1000);
    arena.reset(mark);
    expect(arena.top).toBe(mark);
    expect(arena.alloc(4, 4)).toBe(mark);
    expect(Array.from(arena.f32view(p, 4))).toEqual([1, 2, 3, 4]);
    arena.reset();
    expect(arena.top).toBe(arena.base);
  });

  it('says how many bytes are needed when a request exceeds 4 GiB', () => {
    const arena = fresh();
    const top = arena.top;
    expectEngineError(() => arena.alloc(MAX_MEMORY_BYTES), 'memory',
      new RegExp(`needs ${top + MAX_MEMORY_BYTES} bytes of linear memory \\(4\\.00 GiB\\), more than the 4 GiB \\(4294967296 bytes\\)`));
    expectEngineError(() => arena.reserve(5 * 2 ** 30), 'memory', /needs \d+ bytes .*5\.00 GiB/);
    expect(arena.top).toBe(top);
  });

  it('reports a failed grow with the sizes involved', () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 0);
    expectEngineError(() => arena.alloc(3 * PAGE), 'memory',
      /could not grow linear memory from 65536 to 196608 bytes \(196608 bytes needed\): .*Maximum memory size/);
  });

  it('rejects bad arguments, naming them', () => {
    const arena = fresh();
    expectEngineError(() => arena.alloc(-1), 'value', /Arena.alloc: bytes must be a non-negative integer, got -1/);
    expectEngineError(() => arena.alloc(NaN), 'value', /bytes must be a non-negative integer, got NaN/);
    expectEngineError(() => arena.alloc(8, 12), 'value', /align must be a power of two, got 12/);
    expectEngineError(() => arena.reset(arena.top + 4), 'value', /Arena.reset: mark must lie in/);
    expectEngineError(() => arena.f32view(2, 1), 'value', /ptr must be a non-negative multiple of 4, got 2/);
    expectEngineError(() => arena.f32view(PAGE - 4, 2), 'value', /2 floats at byte 65532 end at byte 65540, beyond linear memory \(65536 bytes\)/);
  });
});
