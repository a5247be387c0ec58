import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, fromFloat64, readSafetensors, toFloat32, toFloat64, toInt32,
  writeSafetensors, type SafeTensor } from '../../src/io/index.js';
import { expectError } from './helpers.js';

const MAX = Number.MAX_SAFE_INTEGER;
const i64 = (...v: bigint[]): SafeTensor => ({ dtype: 'I64', shape: [v.length], data: BigInt64Array.from(v) });

describe('toFloat64 / toFloat32', () => {
  const values = [0, -1.5, 3.25, 1e-3, 65504];

  test('F16 and BF16 decode bit patterns exactly', () => {
    for (const [dtype, enc, dec] of [['F16', f32ToF16, f16ToF32], ['BF16', f32ToBf16, bf16ToF32]] as const) {
      const bits = Uint16Array.from(values, enc);
      const t: SafeTensor = { dtype, shape: [values.length], data: bits };
      expect([...toFloat64(t)]).toEqual([...bits].map(dec));
      expect([...toFloat32(t)]).toEqual([...bits].map(dec));
    }
  });

  test('integers and BOOL convert by value', () => {
    expect([...toFloat64(i64(-BigInt(MAX), 0n, BigInt(MAX)))]).toEqual([-MAX, 0, MAX]);
    expect([...toFloat64({ dtype: 'I32', shape: [2], data: Int32Array.of(-7, 2 ** 31 - 1) })]).toEqual([-7, 2 ** 31 - 1]);
    expect([...toFloat64({ dtype: 'U8', shape: [2], data: Uint8Array.of(0, 255) })]).toEqual([0, 255]);
    expect([...toFloat32({ dtype: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) })]).toEqual([1, 0, 1]);
  });

  test('I64 beyond ±(2^53 − 1) is an error naming the element, not a silent rounding', () => {
    expectError(() => toFloat64(i64(1n, 2n ** 53n), 'ids'), 'value', 'tensor "ids": I64 element 1 is 9007199254740992',
      'safe-integer range');
    expectError(() => toFloat32(i64(-(2n ** 63n))), 'value', 'tensor: I64 element 0 is -9223372036854775808');
  });

  test('F64 → float32 rounds like Math.fround; same-dtype conversions return the data itself', () => {
    fc.assert(fc.property(fc.array(fc.double()), (xs) => {
      const t: SafeTensor = { dtype: 'F64', shape: [xs.length], data: Float64Array.from(xs) };
      expect([...toFloat32(t)]).toEqual(xs.map(Math.fround));
      expect(toFloat64(t)).toBe(t.data);
    }));
    const f32: SafeTensor = { dtype: 'F32', shape: [], data: Float32Array.of(1) };
    expect(toFloat32(f32)).toBe(f32.data);
    expect([...toFloat64(f32)]).toEqual([1]);
  });

  test('an inconsistent tensor is rejected before converting', () => {
    expectError(() => toFloat64({ dtype: 'F32', shape: [3], data: new Float32Array(2) }, 'w'), 'shape',
      'tensor "w": shape [3] needs 3 elements but data has 2');
    expectError(() => toFloat64({ dtype: 'F16', shape: [1], data: new Float32Array(1) }), 'dtype', 'needs its data in a Uint16Array');
  });
});

describe('toInt32', () => {
  test('I64, I32 and U8 convert; I32 returns its own data', () => {
    expect([...toInt32(i64(-(2n ** 31n), 0n, 2n ** 31n - 1n))]).toEqual([-(2 ** 31), 0, 2 ** 31 - 1]);
    expect([...toInt32({ dtype: 'U8', shape: [2], data: Uint8Array.of(0, 255) })]).toEqual([0, 255]);
    const t: SafeTensor = { dtype: 'I32', shape: [1], data: Int32Array.of(5) };
    expect(toInt32(t)).toBe(t.data);
  });

  test('I64 outside int32 is an error naming the element', () => {
    expectError(() => toInt32(i64(0n, 2n ** 31n), 'tokens'), 'value', 'tensor "tokens": I64 element 1 is 2147483648',
      'int32 range');
    expectError(() => toInt32(i64(-(2n ** 31n) - 1n)), 'value', 'element 0 is -2147483649');
  });

  test.each(['F64', 'F32', 'F16', 'BF16', 'BOOL'] as const)('%s is not an integer dtype', (dtype) => {
    const data = { F64: Float64Array, F32: Float32Array, F16: Uint16Array, BF16: Uint16Array, BOOL: Uint8Array }[dtype];
    expectError(() => toInt32({ dtype, shape: [1], data: new data(1) }, 'x'), 'dtype',
      `tensor "x": toInt32 needs an integer dtype (I64, I32 or U8), got ${dtype}`);
  });
});

describe('fromFloat64', () => {
  test('encodes each float dtype with the matching scalar encoder, into fresh memory', () => {
    fc.assert(fc.property(fc.array(fc.double(), { maxLength: 12 }), (xs) => {
      const data = Float64Array.from(xs);
      const shape = [xs.length];
      const f64 = fromFloat64(data, 'F64', shape);
      expect(f64.data).not.toBe(data);
      expect(f64.data).toEqual(data);
      expect([...fromFloat64(data, 'F32', shape).data]).toEqual(xs.map(Math.fround));
      expect([...fromFloat64(data, 'F16', shape).data]).toEqual(xs.map(f32ToF16));
      expect([...fromFloat64(data, 'BF16', shape).data]).toEqual(xs.map(f32ToBf16));
    }));
  });

  test('survives a write → read → toFloat64 trip (exactly for F64)', () => {
    const data = Float64Array.of(Math.PI, -0, 1e300, 5e-324);
    const t = fromFloat64(data, 'F64', [2, 2]);
    const back = toFloat64(readSafetensors(writeSafetensors({ t })).tensors.get('t')!);
    expect([...back].map((x) => Object.is(x, -0) ? '-0' : x)).toEqual([...data].map((x) => Object.is(x, -0) ? '-0' : x));
    expect(fromFloat64(Float64Array.of(7), 'F32', []).shape).toEqual([]);
  });

  test('rejects a wrong array, dtype or shape', () => {
    const data = new Float64Array(6);
    expectError(() => fromFloat64(data, 'F32', [2, 2]), 'shape', 'fromFloat64: shape [2,2] needs 4 elements but data has 6');
    expectError(() => fromFloat64(data, 'I32' as 'F32', [6]), 'dtype', 'dtype must be F64, F32, F16 or BF16, got "I32"');
    expectError(() => fromFloat64(new Float32Array(6) as unknown as Float64Array, 'F32', [6]), 'dtype',
      'data must be a Float64Array, got a Float32Array');
  });
});
