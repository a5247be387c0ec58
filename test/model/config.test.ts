import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parameterCount, parameterShapes, resolveConfig } from '../../src/model/config.js';
import { DiffTransformerLM } from '../../src/ref/index.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';

const configArb = fc.record({
  attention: fc.constantFrom('diff_v1' as const, 'diff_v2' as const, 'baseline' as const),
  vocabSize: fc.integer({ min: 2, max: 9 }), numLayers: fc.integer({ min: 1, max: 3 }), numHeads: fc.integer({ min: 1, max: 4 }),
  kvDivisor: fc.integer({ min: 1, max: 4 }), headDim: fc.constantFrom(2, 4, 6), dModel: fc.integer({ min: 2, max: 12 }),
  ffnHidden: fc.integer({ min: 1, max: 9 }), tieEmbeddings: fc.boolean(), sublnAffine: fc.boolean(),
}).filter((c) => c.numHeads % c.kvDivisor === 0);

describe('ModelConfig', () => {
  it('parameterShapes lists exactly the reference model’s parameters, in state-dict order', () => {
    fc.assert(fc.property(configArb, (c) => {
      const config = resolveConfig({ ...c, numKvHeads: c.numHeads / c.kvDivisor });
      const lm = new DiffTransformerLM(config);
      expect([...parameterShapes(config)]).toEqual(lm.namedParameters().map(([n, p]) => [n, [...p.shape]]));
      expect(parameterCount(config)).toBe(lm.numParameters());
    }));
  });

  it('names the field, the expectation and the value', () => {
    const base = { attention: 'diff_v1' as const, vocabSize: 8, dModel: 16, numLayers: 1, numHeads: 2, ffnHidden: 8 };
    expectDiffAttnError(() => resolveConfig({ ...base, numKvHeads: 3 }), 'value', /'numKvHeads' must be a divisor of numHeads \(2\), got 3/);
    expectDiffAttnError(() => resolveConfig({ ...base, rotaryDim: 5 }), 'value', /'rotaryDim' must be even and ≤ headDim \(4\), got 5/);
    expectDiffAttnError(() => resolveConfig({ ...base, vocabSize: 0 }), 'value', /'vocabSize' must be a positive integer, got 0/);
    expectDiffAttnError(() => resolveConfig({ ...base, attention: 'diff_v3' as never }), 'value', /'attention' must be one of/);
  });
});
