import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MEMORY_BYTES } from '../../src/engine/arena.js';
import { MemoryPlan, formatBytes } from '../../src/engine/plan.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';

describe('MemoryPlan', () => {
  it('lays buffers out aligned and without overlap, in order', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4096 }), fc.array(fc.record({ bytes: fc.integer({ min: 0, max: 10_000 }), align: fc.constantFrom(4, 16, 64) }), { maxLength: 20 }), (base, specs) => {
      const plan = new MemoryPlan(base);
      const bufs = specs.map((s, i) => plan.add(`b${i}`, s.bytes, 'g', s.align));
      let prevEnd = base;
      bufs.forEach((b, i) => {
        expect(b.offset % specs[i].align).toBe(0);
        expect(b.offset).toBeGreaterThanOrEqual(prevEnd);
        expect(b.offset - prevEnd).toBeLessThan(specs[i].align); // no more padding than alignment needs
        prevEnd = b.offset + b.bytes;
      });
      expect(plan.end).toBe(prevEnd);
      expect(plan.summary().g ?? 0).toBe(specs.reduce((s, x) => s + x.bytes, 0));
    }));
  });

  it('says how much memory a plan over 4 GiB needs, by group', () => {
    const plan = new MemoryPlan(0);
    plan.add('weights', 3 * 2 ** 30, 'weights');
    plan.add('kv', 2 * 2 ** 30, 'cache');
    expect(plan.end).toBeGreaterThan(MAX_MEMORY_BYTES);
    expectDiffAttnError(() => plan.assertFits('a 25M model at batch 64'), 'memory', /needs 5\.0 GiB .*weights 3\.0 GiB, cache 2\.0 GiB/);
  });

  it('rejects a name planned twice and a negative size', () => {
    const plan = new MemoryPlan(0);
    plan.add('x', 4, 'g');
    expectDiffAttnError(() => plan.add('x', 4, 'g'), 'value', /'x' is planned twice/);
    expectDiffAttnError(() => plan.add('y', -1, 'g'), 'value', /'y' needs a byte count ≥ 0, got -1/);
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.0 GiB');
  });
});
