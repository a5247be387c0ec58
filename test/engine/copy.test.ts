/**
 * The bulk copy kernels, including lengths that are not multiples of their 64-byte step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.load();
});

describe.each(['copy_f32x4', 'copy_bulk'] as const)('%s', (name) => {
  it.each([0, 1, 4, 63, 64, 65, 1000, 4096 + 60])('copies %i bytes exactly and touches nothing else', (bytes) => {
    const { arena, wasm } = engine;
    const mark = arena.top;
    const src = arena.alloc(bytes + 64, 16);
    const dst = arena.alloc(bytes + 64, 16);
    const mem = new Uint8Array(wasm.memory.buffer);
    for (let i = 0; i < bytes + 64; i++) {
      mem[src + i] = (i * 7 + 3) & 255;
      mem[dst + i] = 0xee;
    }
    wasm.exports[name](dst, src, bytes);
    expect(Array.from(mem.subarray(dst, dst + bytes))).toEqual(Array.from(mem.subarray(src, src + bytes)));
    expect(mem.subarray(dst + bytes, dst + bytes + 64).every((v) => v === 0xee)).toBe(true);
    arena.reset(mark);
  });
});
