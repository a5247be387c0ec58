/**
 * Each canonical rewrite used by the exports computes the same function: reference logits before
 * and after agree to float64 round-off on random models and inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parameterShapes } from '../../src/model/config.js';
import { expandNaiveKv, foldSublnGain, interleaveRope, unitSublnGain, type CanonicalModel } from '../../src/model/layouts/export-rewrites.js';
import { logitsOf, portableOther, portableV1, randomIds, randomModel, relErr } from './helpers.js';

const TOL = 1e-12;

function expectSameFunction(before: CanonicalModel, after: CanonicalModel, seed: number): void {
  const { ids, shape } = randomIds(before.config.vocabSize, 5, seed);
  expect(relErr(logitsOf(after, ids, shape), logitsOf(before, ids, shape))).toBeLessThanOrEqual(TOL);
  // The rewritten parameters are exactly those its config calls for.
  expect([...after.params.keys()].sort()).toEqual([...parameterShapes(after.config).keys()].sort());
}

describe('canonical rewrites preserve the model’s function', () => {
  it('interleaveRope: RoPE "half" → "interleaved" by permuting q/k rows (also partial rotary, all attention kinds)', () => {
    fc.assert(fc.property(fc.oneof(portableV1, portableOther), fc.boolean(), ({ config, seed }, partial) => {
      const rotaryDim = partial && config.headDim > 2 ? config.headDim - 2 : config.headDim;
      const m = randomModel({ ...config, ropeStyle: 'half', rotaryDim }, seed);
      const out = interleaveRope(m);
      expect(out.config.ropeStyle).toBe('interleaved');
      expectSameFunction(m, out, seed);
    }));
  });

  it('expandNaiveKv: naive GQA → multi-head attention with copied kv heads', () => {
    fc.assert(fc.property(portableV1, ({ config, seed }) => {
      const m = randomModel({ ...config, pairing: 'naive' }, seed);
      const out = expandNaiveKv(m);
      expect(out.config.numKvHeads).toBe(config.numHeads);
      expectSameFunction(m, out, seed);
    }));
  });

  it('foldSublnGain: the per-head gain moves into out_proj’s columns', () => {
    fc.assert(fc.property(portableV1, ({ config, seed }) => {
      const m = randomModel({ ...config, sublnAffine: true }, seed);
      const out = foldSublnGain(m);
      expect(out.config.sublnAffine).toBe(false);
      expectSameFunction(m, out, seed);
    }));
  });

  it('unitSublnGain: a gain of ones is the identity', () => {
    fc.assert(fc.property(portableV1, ({ config, seed }) => {
      const m = randomModel({ ...config, sublnAffine: false }, seed);
      const out = unitSublnGain(m);
      expect(out.config.sublnAffine).toBe(true);
      expect(out.params.get('layers.0.attn.subln.weight')!.data.every((g) => g === 1)).toBe(true);
      expectSameFunction(m, out, seed);
    }));
  });

  it('each rewrite leaves models it does not apply to untouched', () => {
    const m = randomModel({ attention: 'diff_v2', vocabSize: 5, dModel: 6, numLayers: 1, numHeads: 2, headDim: 4, ffnHidden: 3 }, 1);
    for (const f of [interleaveRope, expandNaiveKv, foldSublnGain, unitSublnGain]) expect(f(m)).toBe(m);
  });
});
