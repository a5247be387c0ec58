/**
 * Paired initialisation: configs of the three arms from one size, parameter counts, and shared
 * tensors bitwise identical across arms whatever arms are asked for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parameterCount } from '../../src/model/config.js';
import { pairedConfigs, pairedInit, type Arm } from '../../src/train/index.js';
import { expectDiffAttnError } from '../support/errors.js';

const sizeArb = fc.record({
  vocabSize: fc.integer({ min: 2, max: 40 }), numLayers: fc.integer({ min: 1, max: 3 }), numHeads: fc.integer({ min: 1, max: 3 }),
  d: fc.constantFrom(2, 4, 8), ffnHidden: fc.integer({ min: 1, max: 24 }), dModel: fc.integer({ min: 2, max: 24 }),
}).map(({ d, ...s }) => ({ ...s, headDim: d, maxContext: 16 }));

const bits = (a: Float64Array): number[] => Array.from(new Float32Array(a));

describe('pairedConfigs', () => {
  it('gives the baseline 2H heads and V2 2H output heads over H KV heads, all of size d', () => {
    const c = pairedConfigs({ vocabSize: 256, dModel: 192, numLayers: 4, numHeads: 3, ffnHidden: 512, maxContext: 256 });
    expect([c.diff.attention, c.diff.numHeads, c.diff.headDim]).toEqual(['diff_v1', 3, 32]);
    expect([c.baseline.attention, c.baseline.numHeads, c.baseline.numKvHeads, c.baseline.headDim]).toEqual(['baseline', 6, 6, 32]);
    expect([c.v2.attention, c.v2.numHeads, c.v2.numKvHeads, c.v2.headDim]).toEqual(['diff_v2', 6, 3, 32]);
  });

  it('matches parameter counts: DIFF = baseline + 6d per layer, V2 = baseline + 2H·C per layer', () => {
    fc.assert(fc.property(sizeArb, (size) => {
      const c = pairedConfigs(size);
      const { numLayers: L, headDim: d, numHeads: H, dModel: C } = size;
      // DIFF: four λ vectors of d and the per-head norm gain of 2d; V2: its λ projection [2H, C].
      expect(parameterCount(c.diff) - parameterCount(c.baseline)).toBe(L * 6 * d);
      expect(parameterCount(c.v2) - parameterCount(c.baseline)).toBe(L * 2 * H * C);
    }));
  });

  it('rejects a head size that is odd or not an integer', () => {
    expectDiffAttnError(() => pairedConfigs({ vocabSize: 8, dModel: 20, numLayers: 1, numHeads: 3, ffnHidden: 4, maxContext: 4 }), 'value',
      /head size d must be an even integer ≥ 2.*got 3.33.*\(dModel \/ 2·numHeads = 20 \/ 6\)/);
  });
});

describe('pairedInit', () => {
  it('makes every shared tensor bitwise identical, whichever arms are built', () => {
    fc.assert(fc.property(sizeArb, fc.nat(), (size, seed) => {
      const all = pairedInit(['diff', 'baseline', 'v2'], size, seed);
      const [diff, base, v2] = all.map((a) => a.params);
      const shared = [...base.keys()].filter((n) => !/attn\.(q_proj|k_proj|v_proj|out_proj)/.test(n));
      for (const n of base.keys()) expect(bits(diff.get(n)!.data), `diff ${n}`).toEqual(bits(base.get(n)!.data));
      for (const n of shared) expect(bits(v2.get(n)!.data), `v2 ${n}`).toEqual(bits(base.get(n)!.data));
      for (let l = 0; l < size.numLayers; l++) {
        expect(bits(v2.get(`layers.${l}.attn.o_proj.weight`)!.data)).toEqual(bits(base.get(`layers.${l}.attn.out_proj.weight`)!.data));
      }
      // The same arm alone, or in another order, starts from the same values.
      const alone = pairedInit(['v2', 'diff'], size, seed);
      for (const [i, arm] of (['v2', 'diff'] as Arm[]).entries()) {
        const ref = all.find((a) => a.arm === arm)!.params;
        for (const [n, t] of alone[i].params) expect(t.data, `${arm} ${n}`).toEqual(ref.get(n)!.data);
      }
    }), { numRuns: 15 });
  });

  it('holds float32 values with each config’s shapes, and differs with the seed', () => {
    const size = { vocabSize: 11, dModel: 8, numLayers: 2, numHeads: 2, ffnHidden: 6, maxContext: 8 };
    for (const { config, params } of pairedInit(['diff', 'baseline', 'v2'], size, 1)) {
      expect([...params.values()].reduce((s, t) => s + t.data.length, 0)).toBe(parameterCount(config));
      for (const t of params.values()) expect(Array.from(t.data)).toEqual(Array.from(t.data, Math.fround));
    }
    const [a] = pairedInit(['diff'], size, 1), [b] = pairedInit(['diff'], size, 2);
    expect(a.params.get('embed.weight')!.data).not.toEqual(b.params.get('embed.weight')!.data);
  });

  it('rejects unknown or repeated arms', () => {
    const size = { vocabSize: 4, dModel: 4, numLayers: 1, numHeads: 1, ffnHidden: 2, maxContext: 4 };
    expectDiffAttnError(() => pairedInit(['diff', 'gpt' as Arm], size, 0), 'value', /arms must be a non-empty list of diff, baseline, v2, got \["diff","gpt"\]/);
    expectDiffAttnError(() => pairedInit(['diff', 'diff'], size, 0), 'value', /arms must not repeat/);
  });
});
