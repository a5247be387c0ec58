import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastIndex, broadcastShapes } from '../../../src/ref/ops/elementwise.js';
import {
  BROADCAST_KINDS, broadcastPair, expectDiffAttnError, ravel, shapeArb, size, unravel,
} from '../arbitraries.js';

/** NumPy's rule written out: pad with leading 1s, then each dimension pair must agree or contain a 1. */
function referenceShape(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const pa = [...Array(n - a.length).fill(1), ...a];
  const pb = [...Array(n - b.length).fill(1), ...b];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (pa[i] !== pb[i] && pa[i] !== 1 && pb[i] !== 1) return null;
    out.push(Math.max(pa[i], pb[i]));
  }
  return out;
}

describe('broadcastShapes', () => {
  it.each(BROADCAST_KINDS)('gives the NumPy broadcast shape (%s)', (kind) => {
    fc.assert(fc.property(broadcastPair(kind, { maxRank: 4 }), ({ a, b, out }) => {
      expect(broadcastShapes(a, b, 'op')).toEqual(out);
      expect(broadcastShapes(a, b, 'op')).toEqual(referenceShape(a, b));
      expect(broadcastShapes(b, a, 'op')).toEqual(out);
    }));
  });

  it('agrees with the reference on arbitrary pairs, including pairs that do not broadcast', () => {
    const small = shapeArb({ minRank: 0, maxRank: 3, maxDim: 3 });
    fc.assert(fc.property(small, small, (a, b) => {
      const expected = referenceShape(a, b);
      if (expected) expect(broadcastShapes(a, b, 'op')).toEqual(expected);
      else expectDiffAttnError(() => broadcastShapes(a, b, 'myop'), 'shape', /myop: shapes \[.*\] and \[.*\] do not broadcast/);
    }));
  });

  it('names the op, both shapes and the offending dimension', () => {
    expectDiffAttnError(() => broadcastShapes([2, 3], [4, 3], 'add'), 'shape',
      /add: shapes \[2, 3\] and \[4, 3\] do not broadcast \(dimension 0: 2 vs 4\)/);
  });
});

describe('broadcastIndex', () => {
  it.each(BROADCAST_KINDS)('maps each output element to the input element NumPy reads (%s)', (kind) => {
    fc.assert(fc.property(broadcastPair(kind, { maxRank: 4 }), ({ a, out }) => {
      // Align trailing dimensions; a size-1 input dimension always reads index 0.
      const lead = out.length - a.length;
      const expected = Array.from({ length: size(out) }, (_, flat) => {
        const idx = unravel(flat, out);
        return ravel(a.map((d, k) => (d === 1 ? 0 : idx[lead + k])), a);
      });
      expect([...broadcastIndex(a, out)]).toEqual(expected);
    }));
  });
});
