/**
 * Fused causal attention backward (DIFF V1, DIFF V2, baseline) against the float64 reference's
 * autograd with the same upstream gradient: dq, dk, dv (accumulated over the heads sharing a key
 * or value head), dλ (V1), dσ (V2) and d(gain) (V1), within the derived float32 bounds.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { attentionBounds } from './attention-bounds.js';
import { type CaseSpec, assertWithin, attentionFor, caseFrom, caseSpecArb, exceedance, runBackward } from './attention-cases.js';
import { referenceAttention } from './attention-reference.js';

let release: Engine;
let debug: Engine;
beforeAll(async () => {
  release = await Engine.load();
  debug = await Engine.load({ debug: true });
});

function checkBackward(engine: Engine, spec: CaseSpec): void {
  const c = caseFrom(spec);
  const mark = engine.arena.top;
  try {
    const { bwd } = runBackward(engine, attentionFor(engine, spec.config), c);
    const ref = referenceAttention(c);
    const bound = attentionBounds(c);
    assertWithin(
      exceedance('dq', bwd.dq, ref.dq, bound.dq),
      exceedance('dk', bwd.dk, ref.dk, bound.dk),
      exceedance('dv', bwd.dv, ref.dv, bound.dv),
      ref.dlambda === null ? null : exceedance('dλ', [bwd.dlambda!], [ref.dlambda], [bound.dlambda]),
      ref.dsigma === null ? null : exceedance('dσ', bwd.dsigma!, ref.dsigma, bound.dsigma),
      ref.dgain === null ? null : exceedance('dgain', bwd.dgain!, ref.dgain, bound.dgain),
    );
    expect(bwd.dlambda === null).toBe(c.L.kind !== 'diff_v1');
    expect(bwd.dgain === null).toBe(c.gain === null);
  } finally {
    engine.arena.reset(mark);
  }
}

const base: CaseSpec = {
  config: { kind: 'diff_v1', numHeads: 2, numKvHeads: 1, headDim: 8, pairing: 'paper' },
  B: 1, T: 37, seed: 2, qkScale: 1, lambda: 0.6, lambdaInit: 0.2, eps: 1e-5, withGain: true,
};

describe('attention backward (release build)', () => {
  it('matches the reference gradients for random variants, head layouts, sizes and λ', () => {
    fc.assert(fc.property(caseSpecArb(), (spec) => checkBackward(release, spec)));
  });

  it.each([
    ['baseline GQA, d = 64, T = 67', { config: { kind: 'baseline' as const, numHeads: 4, numKvHeads: 2, headDim: 64 }, T: 67 }],
    ['V1 naive pairing, no gain, B = 2', { config: { ...base.config, pairing: 'naive' as const }, withGain: false, B: 2 }],
    ['V1 MQA with odd n_rep, λ = −2.59, d = 5', { config: { kind: 'diff_v1' as const, numHeads: 3, numKvHeads: 1, headDim: 5 }, lambda: Math.fround(-2.59452) }],
    ['V1 λ = 5.12, T = 1', { lambda: Math.fround(5.12), T: 1 }],
    ['V2 odd group (H = 3, Hkv = 2), T = 33', { config: { kind: 'diff_v2' as const, numHeads: 3, numKvHeads: 2, headDim: 6 }, T: 33 }],
    ['V2 d = 64, T = 65', { config: { kind: 'diff_v2' as const, numHeads: 2, headDim: 64 }, T: 65 }],
  ])('%s', (_, over) => {
    checkBackward(release, { ...base, ...over });
  });
});

describe('attention backward (debug build: kernel asserts on)', () => {
  it('matches the reference on a few random cases', () => {
    fc.assert(fc.property(caseSpecArb({ maxT: 40 }), (spec) => checkBackward(debug, spec)), { numRuns: 6 });
  });
});
