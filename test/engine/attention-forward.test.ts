/**
 * Fused causal attention forward (DIFF V1, DIFF V2, baseline) against the float64 reference core,
 * within the derived float32 bounds: outputs and the saved log-sum-exps.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { attentionBounds } from './attention-bounds.js';
import { type CaseSpec, assertWithin, attentionFor, caseFrom, caseSpecArb, exceedance, runForward } from './attention-cases.js';
import { referenceAttention } from './attention-reference.js';

let release: Engine;
let debug: Engine;
beforeAll(async () => {
  release = await Engine.load();
  debug = await Engine.load({ debug: true });
});

function checkForward(engine: Engine, spec: CaseSpec): void {
  const c = caseFrom(spec);
  const mark = engine.arena.top;
  try {
    const got = runForward(engine, attentionFor(engine, spec.config), c);
    const ref = referenceAttention(c);
    const bound = attentionBounds(c);
    assertWithin(exceedance('out', got.out, ref.out, bound.out), exceedance('lse', got.lse, ref.lse, bound.lse));
    if (c.L.kind === 'diff_v1') expect(got.rstd!.every((r) => Number.isFinite(r) && r > 0)).toBe(true);
  } finally {
    engine.arena.reset(mark);
  }
}

const base: CaseSpec = {
  config: { kind: 'diff_v1', numHeads: 2, numKvHeads: 1, headDim: 8, pairing: 'paper' },
  B: 1, T: 37, seed: 1, qkScale: 1, lambda: 0.6, lambdaInit: 0.2, eps: 1e-5, withGain: true,
};

describe('attention forward (release build)', () => {
  it('matches the reference for random variants, head layouts, sizes and λ', () => {
    fc.assert(fc.property(caseSpecArb(), (spec) => checkForward(release, spec)));
  });

  it.each([
    ['baseline MHA, d = 64, T crossing two block edges', { config: { kind: 'baseline' as const, numHeads: 2, headDim: 64 }, T: 67 }],
    ['V1 naive pairing under GQA, no gain', { config: { ...base.config, pairing: 'naive' as const }, withGain: false }],
    ['V1 odd n_rep (H = 3, Hkv = 1), λ = −2.59', { config: { kind: 'diff_v1' as const, numHeads: 3, numKvHeads: 1, headDim: 6 }, lambda: Math.fround(-2.59452) }],
    ['V1 λ = 5.12 with sharp maps', { lambda: Math.fround(5.12), qkScale: 3 }],
    ['V1 T = 1 (one key: both maps are 1)', { T: 1 }],
    ['V2 with an odd group (H = 3, Hkv = 2: a pair reads two value heads)', { config: { kind: 'diff_v2' as const, numHeads: 3, numKvHeads: 2, headDim: 5 }, B: 2 }],
    ['V2 MQA, d = 64, T = 64', { config: { kind: 'diff_v2' as const, numHeads: 2, numKvHeads: 1, headDim: 64 }, T: 64 }],
  ])('%s', (_, over) => {
    checkForward(release, { ...base, ...over });
  });
});

describe('attention forward (debug build: kernel asserts on)', () => {
  it('matches the reference on a few random cases', () => {
    fc.assert(fc.property(caseSpecArb({ maxT: 40 }), (spec) => checkForward(debug, spec)), { numRuns: 6 });
  });
});
