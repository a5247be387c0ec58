/**
 * rotary on x [B, T, H, D] with tables cos, sin [≥T, r/2], both pairing styles, full (r = D) and
 * partial (r < D) rotary dim. The tables are constants (requiresGrad false) and in most tests
 * random rather than true cos/sin values: the op is linear in x for any table, which also makes
 * gradcheck exact up to round-off.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { rotary, type RotaryStyle } from '../../../src/ref/ops/index.js';
import {
  dim, expectClose, expectDiffAttnError, expectGradcheck, leaf, real, tensorOf, valuesArb, type TensorSpec,
} from '../arbitraries.js';

const STYLES: RotaryStyle[] = ['interleaved', 'half'];
const EXTENTS = ['full', 'partial'] as const;

/** x, and tables with `half` = r/2 columns and at least T rows; `partial` adds 1..3 pass-through channels. */
function inputs(extent: (typeof EXTENTS)[number]) {
  return fc.record({
    B: dim(2), T: dim(4), H: dim(2), half: dim(3),
    extra: extent === 'partial' ? dim(3) : fc.constant(0),
    spareRows: fc.integer({ min: 0, max: 2 }),
  }).chain(({ B, T, H, half, extra, spareRows }) => fc.record({
    x: tensorOf([B, T, H, 2 * half + extra]),
    cos: tensorOf([T + spareRows, half], real(-1.5, 1.5)),
    sin: tensorOf([T + spareRows, half], real(-1.5, 1.5)),
  }));
}

const table = (spec: TensorSpec): Tensor => leaf(spec, false);

/** Complex numbers as [re, im]; (a + ib)(c + is) = (ac − bs) + i(as + bc). */
type Complex = [number, number];
const cmul = ([a, b]: Complex, [c, s]: Complex): Complex => [a * c - b * s, a * s + b * c];

/**
 * Applies `perHead(vector, t)` to every head vector x[b, t, h, :] and reassembles the tensor.
 */
function mapHeads(x: TensorSpec, perHead: (v: number[], t: number) => number[]): number[] {
  const [, T, H, D] = x.shape;
  const out: number[] = [];
  for (let o = 0; o < x.values.length; o += D) out.push(...perHead(x.values.slice(o, o + D), Math.floor(o / (H * D)) % T));
  return out;
}

/**
 * Interleaved (GPT-J, the official Diff-Transformer code via view_as_complex): channels (2j, 2j+1)
 * form the complex number z_j, which is multiplied by cos[t, j] + i·sin[t, j].
 */
function referenceInterleaved(x: TensorSpec, cos: TensorSpec, sin: TensorSpec): number[] {
  const half = cos.shape[1];
  return mapHeads(x, (v, t) => {
    const out = v.slice();
    for (let j = 0; j < half; j++) {
      [out[2 * j], out[2 * j + 1]] = cmul([v[2 * j], v[2 * j + 1]], [cos.values[t * half + j], sin.values[t * half + j]]);
    }
    return out;
  });
}

/**
 * Half (GPT-NeoX / Llama): on the first r channels, x·[cos, cos] + rotate_half(x)·[sin, sin] with
 * rotate_half(x) = [−x[r/2:], x[:r/2]]; the remaining channels pass through.
 */
function referenceHalf(x: TensorSpec, cos: TensorSpec, sin: TensorSpec): number[] {
  const half = cos.shape[1];
  return mapHeads(x, (v, t) => {
    const rot = v.slice(0, 2 * half);
    const c = cos.values.slice(t * half, (t + 1) * half), s = sin.values.slice(t * half, (t + 1) * half);
    const [cc, ss] = [[...c, ...c], [...s, ...s]];
    const rotated = [...rot.slice(half).map((u) => -u), ...rot.slice(0, half)];
    return [...rot.map((u, i) => u * cc[i] + rotated[i] * ss[i]), ...v.slice(2 * half)];
  });
}

const REFERENCES = { interleaved: referenceInterleaved, half: referenceHalf };

/** True rotary tables: cos(t·ω_j), sin(t·ω_j) with ω_j = 10000^(−2j/r). */
function angleTables(T: number, half: number): { cos: Tensor; sin: Tensor } {
  const angle = (i: number): number => Math.floor(i / half) * 10000 ** (-(i % half) / half);
  const n = T * half;
  return {
    cos: Tensor.from(Array.from({ length: n }, (_, i) => Math.cos(angle(i))), [T, half]),
    sin: Tensor.from(Array.from({ length: n }, (_, i) => Math.sin(angle(i))), [T, half]),
  };
}

describe.each(STYLES)('rotary, %s pairs', (style) => {
  describe.each(EXTENTS)('%s rotary dim', (extent) => {
    it('passes gradcheck', () => {
      fc.assert(fc.property(inputs(extent), ({ x, cos, sin }) =>
        expectGradcheck((t) => rotary(t, table(cos), table(sin), style), [leaf(x)])));
    });

    it(`matches the ${style === 'interleaved' ? 'complex-multiplication' : 'rotate_half'} formulation`, () => {
      fc.assert(fc.property(inputs(extent), ({ x, cos, sin }) => {
        const y = rotary(leaf(x), table(cos), table(sin), style);
        expect(y.shape).toEqual(x.shape);
        expectClose(y.data, REFERENCES[style](x, cos, sin), 1e-14);
      }));
    });
  });

  it('with true angle tables preserves each head vector’s norm', () => {
    fc.assert(fc.property(inputs('partial'), ({ x, cos: shape }) => {
      const [, T, , D] = x.shape;
      const { cos, sin } = angleTables(T, shape.shape[1]);
      const y = rotary(leaf(x), cos, sin, style).data;
      for (let o = 0; o < y.length; o += D) {
        const norm2 = (v: ArrayLike<number>): number => Array.from(v).reduce((s, u) => s + u * u, 0);
        expectClose([norm2(y.subarray(o, o + D))], [norm2(x.values.slice(o, o + D))], 1e-13);
      }
    }));
  });

  it('with true angle tables makes ⟨q_t, k_u⟩ depend only on t − u', () => {
    // R_t q · R_u k = q · R_{u−t} k, since R_tᵀ R_u = R_{u−t} for rotations by t·ω and u·ω.
    const T = 5;
    const arb = fc.integer({ min: 1, max: 3 }).chain((half) => fc.tuple(valuesArb(2 * half), valuesArb(2 * half)));
    fc.assert(fc.property(arb, ([q, k]) => {
      const D = q.length;
      const { cos, sin } = angleTables(T, D / 2);
      const atEveryPosition = (v: number[]): Tensor => Tensor.from(Array(T).fill(v).flat(), [1, T, 1, D]);
      const rq = rotary(atEveryPosition(q), cos, sin, style).data;
      const rk = rotary(atEveryPosition(k), cos, sin, style).data;
      const dot = (t: number, u: number): number => q.reduce((s, _, i) => s + rq[t * D + i] * rk[u * D + i], 0);
      for (let t = 0; t + 1 < T; t++) {
        for (let u = 0; u + 1 < T; u++) expectClose([dot(t + 1, u + 1)], [dot(t, u)], 1e-12);
      }
    }));
  });

  it('is the identity with cos = 1, sin = 0', () => {
    fc.assert(fc.property(inputs('partial'), ({ x, cos }) => {
      const ones = Tensor.from(Array(cos.values.length).fill(1), cos.shape);
      const zeros = Tensor.zeros(cos.shape);
      expectClose(rotary(leaf(x), ones, zeros, style).data, x.values, 0);
    }));
  });
});

describe('rotary validation', () => {
  const cs = Tensor.zeros([4, 2]);

  it('rejects x that is not [B, T, H, D]', () => {
    expectDiffAttnError(() => rotary(Tensor.zeros([4, 1, 4]), cs, cs, 'half'), 'shape', /rotary: x must be \[B, T, H, D\], got \[4,1,4\]/);
  });

  it('rejects cos and sin of different shapes, too few rows, or not 2-D', () => {
    const x = Tensor.zeros([1, 4, 1, 4]);
    const bad: Array<[Tensor, Tensor]> = [
      [cs, Tensor.zeros([4, 1])], [Tensor.zeros([3, 2]), Tensor.zeros([3, 2])], [Tensor.zeros([8]), Tensor.zeros([8])],
    ];
    for (const [cos, sin] of bad) {
      expectDiffAttnError(() => rotary(x, cos, sin, 'interleaved'), 'shape', /rotary: cos and sin must both be \[≥4, r\/2\]/);
    }
  });

  it('rejects a rotary dim larger than the head dim', () => {
    expectDiffAttnError(() => rotary(Tensor.zeros([1, 4, 1, 3]), cs, cs, 'half'), 'shape', /rotary: rotary dim 4 exceeds head dim 3/);
  });
});
