/**
 * Single-token decode against the KV cache: its output equals the prefill's row for the same
 * token (prefill T tokens vs prefill T − 1 then one decode step, and a whole sequence decoded
 * token by token), both within the derived bounds of the float64 reference; the cache holds
 * exact copies of the appended k, v rows.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { Attention } from '../../src/engine/attention.js';
import { attentionCacheWrite, attentionDecode } from '../../src/engine/attention-arrays.js';
import { attentionBounds } from './attention-bounds.js';
import { type CaseSpec, assertWithin, attentionFor, caseFrom, caseSpecArb, exceedance, runForward, scalarsOf } from './attention-cases.js';
import { type AttentionCase, referenceAttention } from './attention-reference.js';

let release: Engine;
let debug: Engine;
beforeAll(async () => {
  release = await Engine.load();
  debug = await Engine.load({ debug: true });
});

// Rows t of every batch row of a token-major [B·T, w] array → [B, w] (or [B·n, w] for a range).
function rows(x: Float32Array, B: number, T: number, w: number, t0: number, t1 = t0 + 1): Float32Array {
  const n = t1 - t0;
  const out = new Float32Array(B * n * w);
  for (let b = 0; b < B; b++) out.set(x.subarray((b * T + t0) * w, (b * T + t1) * w), b * n * w);
  return out;
}

// One decode step for token t of every batch row on (copies of) the caches.
function decodeStep(engine: Engine, attn: Attention, c: AttentionCase, t: number, maxT: number,
  cache: { k: Float32Array; v: Float32Array }) {
  const L = c.L;
  const r = attentionDecode(attn, engine.arena, {
    B: c.B, maxT, pos: t, q: rows(c.q, c.B, c.T, L.Hq * L.d, t), kNew: rows(c.k, c.B, c.T, L.Hk * L.d, t),
    vNew: rows(c.v, c.B, c.T, L.Hv * L.dv, t), kCache: cache.k, vCache: cache.v,
    sigma: c.sigma === null ? undefined : rows(c.sigma, c.B, c.T, L.H, t), gain: c.gain,
  }, scalarsOf(c));
  return r;
}

// Bounds at token t against the reference, and twice that against the prefill (both are within).
function checkRow(name: string, c: AttentionCase, t: number, got: Float32Array, prefill: Float32Array,
  refOut: Float64Array, boundOut: Float64Array): void {
  const w = c.L.H * c.L.dv;
  const at = (x: number): number => (Math.floor(x / w) * c.T + t) * w + (x % w); // element x of [B, w] in [B·T, w]
  const refRow = Float64Array.from({ length: c.B * w }, (_, x) => refOut[at(x)]);
  const bound = Float64Array.from({ length: c.B * w }, (_, x) => boundOut[at(x)]);
  assertWithin(
    exceedance(`${name} vs reference`, got, refRow, bound),
    exceedance(`${name} vs prefill`, got, rows(prefill, c.B, c.T, w, t), bound.map((x) => 2 * x)),
  );
}

function checkLastToken(engine: Engine, spec: CaseSpec): void {
  const c = caseFrom(spec);
  const L = c.L;
  const mark = engine.arena.top;
  try {
    const attn = attentionFor(engine, spec.config);
    const prefill = runForward(engine, attn, c).out;
    const maxT = c.T + 3;
    const empty = { k: new Float32Array(c.B * maxT * L.Hk * L.d), v: new Float32Array(c.B * maxT * L.Hv * L.dv) };
    const filled = attentionCacheWrite(attn, engine.arena, {
      B: c.B, maxT, pos: 0, n: c.T - 1, k: rows(c.k, c.B, c.T, L.Hk * L.d, 0, c.T - 1), v: rows(c.v, c.B, c.T, L.Hv * L.dv, 0, c.T - 1),
      kCache: empty.k, vCache: empty.v,
    });
    const step = decodeStep(engine, attn, c, c.T - 1, maxT, { k: filled.kCache, v: filled.vCache });
    checkRow('decode', c, c.T - 1, step.out, prefill, referenceAttention(c).out, attentionBounds(c).out);
  } finally {
    engine.arena.reset(mark);
  }
}

describe('attention decode (release build)', () => {
  it('prefill T − 1 tokens then decode 1 gives the prefill\'s last row', () => {
    fc.assert(fc.property(caseSpecArb({ maxT: 40 }), (spec) => checkLastToken(release, spec)));
  });

  it('decoding a whole sequence token by token gives every prefill row, and fills the cache exactly', () => {
    const specs = fc.sample(caseSpecArb({ maxT: 24 }), { numRuns: 12, seed: 7 });
    for (const spec of specs) {
      const c = caseFrom(spec);
      const L = c.L;
      const attn = attentionFor(release, spec.config);
      const prefill = runForward(release, attn, c).out;
      const ref = referenceAttention(c).out;
      const bound = attentionBounds(c).out;
      const maxT = c.T;
      let cache: { k: Float32Array; v: Float32Array } = { k: new Float32Array(c.B * maxT * L.Hk * L.d).fill(NaN), v: new Float32Array(c.B * maxT * L.Hv * L.dv).fill(NaN) };
      for (let t = 0; t < c.T; t++) {
        const step = decodeStep(release, attn, c, t, maxT, cache);
        checkRow(`decode token ${t}`, c, t, step.out, prefill, ref, bound);
        cache = { k: step.kCache, v: step.vCache };
      }
      expect(cache.k).toEqual(c.k);
      expect(cache.v).toEqual(c.v);
    }
  });
});

describe('attention decode (debug build: kernel asserts on)', () => {
  it('matches the prefill on a few random cases', () => {
    fc.assert(fc.property(caseSpecArb({ maxT: 30 }), (spec) => checkLastToken(debug, spec)), { numRuns: 6 });
  });
});
