/**
 * Sampling: each option against its definition, recomputed here from the logits (softmax, sorting
 * and prefix sums written out in the test), and the draw against its own distribution.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRepetitionPenalty, argmax, sampleToken, samplingProbs } from '../../src/model/sampling.js';
import { Rng } from '../../src/ref/index.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';

const logitsArb = fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 1, maxLength: 12 });

/** softmax(z/τ) over all ids. */
function softmax(z: readonly number[], tau: number): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp((v - m) / tau));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Ids by decreasing logit, ties by id. */
const ranked = (z: readonly number[]): number[] => z.map((_, i) => i).sort((a, b) => z[b] - z[a] || a - b);
const support = (p: ArrayLike<number>): number[] => Array.from(p, (v, i) => (v > 0 ? i : -1)).filter((i) => i >= 0);

describe('sampling', () => {
  it('argmax takes the first of equal maxima', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax(Float32Array.of(-1, -0.5))).toBe(1);
  });

  it('temperature 0 is greedy and leaves the RNG untouched', () => {
    fc.assert(fc.property(logitsArb, fc.nat(), (z, seed) => {
      const rng = new Rng(seed);
      expect(sampleToken(z, { temperature: 0, topK: 1 }, rng)).toBe(argmax(z));
      expect(rng.uniform()).toBe(new Rng(seed).uniform());
    }));
  });

  it('without top-k/top-p the distribution is softmax(logits/τ)', () => {
    fc.assert(fc.property(logitsArb, fc.double({ min: 0.1, max: 5, noNaN: true }), (z, tau) => {
      const p = samplingProbs(z, { temperature: tau });
      softmax(z, tau).forEach((q, i) => expect(p[i]).toBeCloseTo(q, 14));
    }));
  });

  it('top-k keeps exactly the k best ids (ties: lower id) and never samples outside them', () => {
    fc.assert(fc.property(logitsArb, fc.integer({ min: 1, max: 12 }), fc.nat(), (z, k, seed) => {
      const best = ranked(z).slice(0, k).sort((a, b) => a - b);
      const p = samplingProbs(z, { temperature: 1, topK: k });
      expect(support(p)).toEqual(best);
      const kth = z[ranked(z)[Math.min(k, z.length) - 1]];
      const rng = new Rng(seed);
      for (let i = 0; i < 20; i++) expect(z[sampleToken(z, { temperature: 1, topK: k }, rng)]).toBeGreaterThanOrEqual(kth);
    }));
  });

  it('top-p keeps the smallest most-likely set whose mass reaches p, renormalised', () => {
    fc.assert(fc.property(logitsArb, fc.double({ min: 0.01, max: 1, noNaN: true }), (z, topP) => {
      const full = softmax(z, 1);
      const p = samplingProbs(z, { temperature: 1, topP });
      const kept = support(p);
      const mass = (ids: number[]): number => ids.reduce((s, i) => s + full[i], 0);
      // Enough mass with round-off slack, and one fewer (the least likely kept) would not be enough.
      expect(mass(kept)).toBeGreaterThanOrEqual(topP - 1e-12);
      const order = ranked(z);
      expect(kept).toEqual(order.slice(0, kept.length).sort((a, b) => a - b));
      if (kept.length > 1) expect(mass(order.slice(0, kept.length - 1))).toBeLessThan(topP + 1e-12);
      kept.forEach((i) => expect(p[i]).toBeCloseTo(full[i] / mass(kept), 12));
    }));
  });

  it('top-p applies after top-k, on the renormalised top-k distribution', () => {
    // logits ln 4, ln 3, ln 2, ln 1: top-k 3 gives 4/9, 3/9, 2/9; p = 0.7 needs 4/9 + 3/9 = 7/9 ≥ 0.7.
    const p = samplingProbs([Math.log(4), Math.log(3), Math.log(2), 0], { temperature: 1, topK: 3, topP: 0.7 });
    [4 / 7, 3 / 7, 0, 0].forEach((q, i) => expect(p[i]).toBeCloseTo(q, 14));
  });

  it('as τ → 0⁺ the draw becomes the argmax', () => {
    fc.assert(fc.property(logitsArb.filter((z) => z.length > 1), fc.nat(), (z, seed) => {
      const top = ranked(z);
      const margin = z[top[0]] - z[top[1]];
      fc.pre(margin > 1e-3);
      // P(not argmax) ≤ (V − 1)·exp(−margin/τ) = (V − 1)·e^−40 at τ = margin/40.
      const p = samplingProbs(z, { temperature: margin / 40 });
      expect(1 - p[top[0]]).toBeLessThanOrEqual((z.length - 1) * Math.exp(-40) + 1e-15);
      expect(sampleToken(z, { temperature: margin / 40 }, new Rng(seed))).toBe(top[0]);
    }));
  });

  it('draws with the frequencies of its distribution', () => {
    const z = [0.5, -1, 2, 0, 1.2];
    const p = samplingProbs(z, { temperature: 0.8 });
    const rng = new Rng(11);
    const N = 20000;
    const counts = new Array(z.length).fill(0);
    for (let i = 0; i < N; i++) counts[sampleToken(z, { temperature: 0.8 }, rng)]++;
    // Each count is binomial(N, p_i): within 5 standard deviations.
    counts.forEach((c, i) => expect(Math.abs(c / N - p[i])).toBeLessThanOrEqual(5 * Math.sqrt((p[i] * (1 - p[i])) / N)));
  });

  it('the same seed gives the same tokens', () => {
    fc.assert(fc.property(logitsArb, fc.nat(), fc.double({ min: 0.2, max: 3, noNaN: true }), (z, seed, tau) => {
      const run = (): number[] => {
        const rng = new Rng(seed);
        return Array.from({ length: 10 }, () => sampleToken(z, { temperature: tau, topP: 0.9 }, rng));
      };
      expect(run()).toEqual(run());
    }));
  });

  it('repetition penalty: positive logits of seen ids are divided, others multiplied, once per id', () => {
    fc.assert(fc.property(logitsArb, fc.array(fc.nat(11)), fc.double({ min: 0.5, max: 3, noNaN: true }), (z, history, penalty) => {
      const out = applyRepetitionPenalty(Float32Array.from(z), history, penalty);
      const zf = Float32Array.from(z); // the input as the function received it
      zf.forEach((v, i) => expect(out[i]).toBe(history.includes(i) ? (v > 0 ? v / penalty : v * penalty) : v));
    }));
    // With penalty 2 a seen positive leader loses to an unseen runner-up: 3/2 < 2.
    expect(sampleToken([3, 2], { repetitionPenalty: 2 }, new Rng(0), [0, 0])).toBe(1);
    expect(samplingProbs([3, -1], { temperature: 1, repetitionPenalty: 2 }, [1])[1]).toBeCloseTo(softmax([3, -2], 1)[1], 15);
  });

  it('rejects invalid options and logits', () => {
    expectDiffAttnError(() => samplingProbs([1], { temperature: -1 }), 'value', /temperature must be a finite number ≥ 0, got -1/);
    expectDiffAttnError(() => samplingProbs([1], { temperature: 1, topK: 0 }), 'value', /topK must be an integer ≥ 1, got 0/);
    expectDiffAttnError(() => samplingProbs([1], { temperature: 1, topP: 0 }), 'value', /topP must be in \(0, 1\], got 0/);
    expectDiffAttnError(() => samplingProbs([1], { repetitionPenalty: 0 }, [0]), 'value', /repetitionPenalty must be a positive number, got 0/);
    expectDiffAttnError(() => samplingProbs([1, NaN]), 'value', /logit 1 is NaN/);
    expectDiffAttnError(() => samplingProbs([-Infinity, -Infinity], { temperature: 1 }), 'value', /every logit is −Infinity/);
    expectDiffAttnError(() => samplingProbs([]), 'value', /empty/);
  });
});
