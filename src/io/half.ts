/**
 * IEEE float16 and bfloat16 encoding and decoding.
 *
 * Both are 16-bit binary floats that differ only in how the 15 non-sign bits split between
 * exponent and mantissa, so one parametrised codec serves both. Encoding rounds straight from the
 * float64 value (not via float32), so `fromFloat64(x, 'F16')` rounds once, as IEEE requires.
 */

/** Bit layout of a 16-bit binary float. */
interface HalfFormat {
  readonly mantBits: number;
  readonly expBits: number;
}

const FLOAT16: HalfFormat = { mantBits: 10, expBits: 5 };
const BFLOAT16: HalfFormat = { mantBits: 7, expBits: 8 };

// Big-endian reads of the high word need no knowledge of the host byte order.
const scratch = new DataView(new ArrayBuffer(8));

/** The unbiased binary exponent of a positive finite double (any value ≤ −1023 for subnormals). */
function exponentOf(a: number): number {
  scratch.setFloat64(0, a);
  return ((scratch.getUint32(0) >>> 20) & 0x7ff) - 1023;
}

/** Rounds a non-negative double to the nearest integer, ties to even. */
function roundHalfEven(m: number): number {
  const f = Math.floor(m);
  const frac = m - f;
  if (frac > 0.5) return f + 1;
  if (frac < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function encode(x: number, fmt: HalfFormat): number {
  const { mantBits, expBits } = fmt;
  const expMask = (1 << expBits) - 1;
  const bias = (expMask >> 1);
  const infBits = expMask << mantBits;
  if (Number.isNaN(x)) return infBits | (1 << (mantBits - 1)); // the canonical quiet NaN
  const sign = x < 0 || Object.is(x, -0) ? 1 << (mantBits + expBits) : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | infBits;
  if (a === 0) return sign;
  // Below the smallest normal the quantum stays fixed, which is what makes subnormals uniform.
  let e = Math.max(exponentOf(a), 1 - bias);
  // a / quantum is exact: dividing by a power of two only moves the exponent.
  let n = roundHalfEven(a / 2 ** (e - mantBits));
  if (n === 2 ** (mantBits + 1)) {
    n /= 2;
    e += 1;
  }
  if (e > bias) return sign | infBits;
  const implicit = 1 << mantBits;
  if (n < implicit) return sign | n; // subnormal (or rounded to zero): exponent field 0
  return sign | ((e + bias) << mantBits) | (n - implicit);
}

function decode(bits: number, fmt: HalfFormat): number {
  const { mantBits, expBits } = fmt;
  const expMask = (1 << expBits) - 1;
  const bias = expMask >> 1;
  const sign = bits & (1 << (mantBits + expBits)) ? -1 : 1;
  const field = (bits >>> mantBits) & expMask;
  const mant = bits & ((1 << mantBits) - 1);
  if (field === expMask) return mant === 0 ? sign * Infinity : NaN;
  if (field === 0) return sign * mant * 2 ** (1 - bias - mantBits);
  return sign * ((1 << mantBits) + mant) * 2 ** (field - bias - mantBits);
}

/** Builds the 65536-entry decode table once per format, on first use. */
function lazyTable(fmt: HalfFormat): () => Float32Array {
  let table: Float32Array | undefined;
  return () => {
    if (table === undefined) {
      table = new Float32Array(65536);
      for (let b = 0; b < 65536; b++) table[b] = decode(b, fmt);
    }
    return table;
  };
}

/** Decoded values of every float16 bit pattern, indexed by the pattern (exact in float32). */
export const float16Table: () => Float32Array = lazyTable(FLOAT16);
/** Decoded values of every bfloat16 bit pattern, indexed by the pattern (exact in float32). */
export const bfloat16Table: () => Float32Array = lazyTable(BFLOAT16);

/**
 * Decodes IEEE float16 bits (the low 16 bits of `bits`) to a number; exact, since every float16
 * value is a float32. Subnormals, ±0 and ±Infinity decode exactly; every NaN pattern gives NaN.
 */
export function f16ToF32(bits: number): number {
  return decode(bits & 0xffff, FLOAT16);
}

/**
 * Encodes a number as IEEE float16 bits, rounding to nearest, ties to even. Magnitudes that round
 * past the largest finite float16 (65504) give ±Infinity; tiny ones give subnormals or ±0; NaN
 * gives the quiet NaN 0x7e00. Accepts any double, rounding once from it.
 */
export function f32ToF16(x: number): number {
  return encode(x, FLOAT16);
}

/** Decodes bfloat16 bits (the low 16 bits of `bits`), i.e. the top half of a float32, exactly. */
export function bf16ToF32(bits: number): number {
  return decode(bits & 0xffff, BFLOAT16);
}

/**
 * Encodes a number as bfloat16 bits, rounding to nearest, ties to even (not truncation). NaN
 * stays NaN (0x7fc0) rather than rounding into Infinity; overflow gives ±Infinity.
 */
export function f32ToBf16(x: number): number {
  return encode(x, BFLOAT16);
}
