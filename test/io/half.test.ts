/**
 * float16 and bfloat16: decoding is checked against independent definitions for all 65536 bit
 * patterns, and encoding against the IEEE rule itself (pick the nearer of the two neighbouring
 * representable values, the even one on a tie), with the neighbours found by search, not formula.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../src/io/index.js';
import { bfloat16Table, float16Table } from '../../src/io/half.js';

interface Format {
  name: string;
  decode: (bits: number) => number;
  encode: (x: number) => number;
  table: () => Float32Array;
  /** The definition the decoder must agree with, written independently of it. */
  reference: (bits: number) => number;
}

/** IEEE 754 binary16 by its textbook definition: (−1)^s · 2^(E−15) · 1.M, or 2^−14 · 0.M. */
function binary16(bits: number): number {
  const s = bits >> 15 ? -1 : 1;
  const E = (bits >> 10) & 31;
  const M = bits & 1023;
  if (E === 31) return M ? NaN : s * Infinity;
  return E === 0 ? s * Math.pow(2, -14) * (M / 1024) : s * Math.pow(2, E - 15) * (1 + M / 1024);
}

/** bfloat16 is by definition the top half of a float32: let the platform's float32 decode it. */
function upperFloat32(bits: number): number {
  return new Float32Array(Uint32Array.of(bits << 16).buffer)[0];
}

const formats: Format[] = [
  { name: 'float16', decode: f16ToF32, encode: f32ToF16, table: float16Table, reference: binary16 },
  { name: 'bfloat16', decode: bf16ToF32, encode: f32ToBf16, table: bfloat16Table, reference: upperFloat32 },
];

const SIGN = 0x8000;
const isNaNBits = (f: Format, bits: number) => Number.isNaN(f.decode(bits));

const infinityCache = new Map<Format, number>();

/** The +Infinity pattern, found by scanning the decoder rather than trusting the encoder. */
function infinityBits(f: Format): number {
  if (!infinityCache.has(f)) {
    let bits = 1;
    while (f.decode(bits) !== Infinity) bits++;
    infinityCache.set(f, bits);
  }
  return infinityCache.get(f)!;
}

/**
 * The correctly rounded encoding of x, found from the decoder: the largest pattern whose value is
 * ≤ |x| by binary search (non-negative patterns are ordered like their values), then the nearer
 * neighbour, the even pattern on a tie. Past the largest finite value the upper neighbour is
 * Infinity, placed one step (the top gap) above it, as IEEE rounding with unbounded exponent does.
 */
function expectedBits(f: Format, x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? SIGN : 0;
  const a = Math.abs(x);
  const inf = infinityBits(f);
  let lo = 0;
  let hi = inf;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (f.decode(mid) <= a) lo = mid;
    else hi = mid;
  }
  if (f.decode(hi) <= a) return sign | hi;
  const top = f.decode(inf - 1);
  const upper = hi === inf ? top + (top - f.decode(inf - 2)) : f.decode(hi);
  const below = f.decode(lo);
  if (a === below) return sign | lo;
  const midpoint = (below + upper) / 2; // exact: both have few significant bits
  if (a < midpoint) return sign | lo;
  if (a > midpoint) return sign | hi;
  return sign | (lo % 2 === 0 ? lo : hi);
}

const hex = (bits: number) => `0x${bits.toString(16)}`;

/** Runs `check` on every case and asserts none failed; one expect() per case would dominate the time. */
function expectAll(count: number, check: (i: number) => string | undefined): void {
  const failures: string[] = [];
  for (let i = 0; i < count && failures.length < 10; i++) {
    const failure = check(i);
    if (failure !== undefined) failures.push(failure);
  }
  expect(failures).toEqual([]);
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe.each(formats)('$name', (f) => {
  test('decoding all 65536 patterns agrees with the definition, and with the table', () => {
    const table = f.table();
    expectAll(65536, (bits) => {
      const want = f.reference(bits);
      return same(f.decode(bits), want) && same(table[bits], want) ? undefined
        : `${hex(bits)}: decode ${f.decode(bits)}, table ${table[bits]}, definition ${want}`;
    });
  });

  test('decode → encode returns the same bits for all 65536 patterns (NaN stays NaN)', () => {
    expectAll(65536, (bits) => {
      const back = f.encode(f.decode(bits));
      const ok = isNaNBits(f, bits) ? isNaNBits(f, back) : back === bits;
      return ok ? undefined : `${hex(bits)} came back as ${hex(back)}`;
    });
    expect(isNaNBits(f, f.encode(NaN))).toBe(true);
  });

  test('every midpoint between neighbours rounds to the even one, and a hair off it to the nearer', () => {
    const infBits = infinityBits(f);
    expectAll(infBits * 2, (i) => {
      const b = i >> 1;
      const s = i & 1 ? SIGN : 0;
      const sign = s ? -1 : 1;
      const lo = f.decode(b);
      const next = b + 1 < infBits ? f.decode(b + 1) : lo + (lo - f.decode(b - 1));
      const mid = (lo + next) / 2;
      const even = b % 2 === 0 ? b : b + 1;
      const cases: [number, number][] = [[mid, even], [mid - (mid - lo) / 4, b], [mid + (next - mid) / 4, b + 1]];
      const bad = cases.find(([x, want]) => f.encode(sign * x) !== (s | want));
      return bad && `${sign * bad[0]} encoded as ${hex(f.encode(sign * bad[0]))}, expected ${hex(s | bad[1])}`;
    });
  });

  test('property: float32 inputs round to nearest, ties to even', () => {
    fc.assert(fc.property(fc.float(), (x) => {
      const got = f.encode(x);
      if (Number.isNaN(x)) expect(isNaNBits(f, got)).toBe(true);
      else expect(got.toString(16)).toBe(expectedBits(f, x).toString(16));
    }), { numRuns: 2000 });
  });

  test('property: float64 inputs round once, directly (no double rounding through float32)', () => {
    fc.assert(fc.property(fc.double({ noNaN: true }), (x) => {
      expect(f.encode(x).toString(16)).toBe(expectedBits(f, x).toString(16));
    }), { numRuns: 2000 });
  });
});

test('double rounding through float32 would differ: float16 rounds a float64 once', () => {
  // Just above the midpoint of 1 and the next float16, by less than float32 can hold:
  // via float32 it becomes the exact midpoint and ties down to 1.
  const one = f32ToF16(1);
  const next = f16ToF32(one + 1);
  const x = (1 + next) / 2 + 2 ** -40;
  expect(Math.fround(x)).toBe((1 + next) / 2);
  expect(f32ToF16(x)).toBe(one + 1);
});
