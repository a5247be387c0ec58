/**
 * Conversions between stored tensors and the float and integer arrays the model computes with.
 *
 * Reading converts to float64 (the reference path), float32 (the WebAssembly path) or int32
 * (token ids); writing encodes float64 results into any float dtype. Every conversion that could
 * lose an integer (I64 beyond 2^53, or beyond int32 for token ids) throws instead.
 */
import { check, DiffAttnError } from '../errors.js';
import { describe, tensorLabel, typedArrayName } from './describe.js';
import { checkShape, checkTensor, DTYPES, type SafeTensor } from './dtype.js';
import { bfloat16Table, f32ToBf16, f32ToF16, float16Table } from './half.js';

type FloatArray = Float64Array | Float32Array;

/**
 * Copies I64 elements into `out`, checking each lies in [min, max]; `range` names that interval
 * in the error, which reports the tensor, the element index and its value.
 */
function narrowInt64(out: FloatArray | Int32Array, src: BigInt64Array, min: number, max: number, range: string,
  label: string): void {
  const lo = BigInt(min);
  const hi = BigInt(max);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    check(v >= lo && v <= hi, 'value', () => `${label}: I64 element ${i} is ${v}, outside ${range}`);
    out[i] = Number(v);
  }
}

function toFloat<T extends FloatArray>(t: SafeTensor, name: string | undefined, Out: new (n: number) => T,
  native: 'F64' | 'F32'): T {
  checkTensor(t, name);
  if (t.dtype === native) return t.data as T;
  const src = t.data;
  const out = new Out(src.length);
  switch (t.dtype) {
    case 'F16':
    case 'BF16': {
      const table = t.dtype === 'F16' ? float16Table() : bfloat16Table();
      for (let i = 0; i < src.length; i++) out[i] = table[src[i] as number];
      break;
    }
    case 'I64':
      narrowInt64(out, src as BigInt64Array, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER,
        'the safe-integer range ±(2^53 − 1)', tensorLabel(name));
      break;
    case 'BOOL':
      for (let i = 0; i < src.length; i++) out[i] = src[i] ? 1 : 0;
      break;
    default:
      // F64 → F32 and I32 → F32 round to nearest even here, as IEEE conversion does.
      out.set(src as Exclude<typeof src, BigInt64Array>);
  }
  return out;
}

/**
 * The tensor's values as float64. F16/BF16 decode exactly, BOOL gives 0/1, I64 must hold safe
 * integers (else a 'value' error naming the element). An F64 tensor returns its own `data`
 * (no copy; it may be a view into the file's bytes).
 */
export function toFloat64(t: SafeTensor, name?: string): Float64Array {
  return toFloat(t, name, Float64Array, 'F64');
}

/**
 * The tensor's values as float32, rounding F64 and large integers to nearest even. I64 must hold
 * safe integers. An F32 tensor returns its own `data` (no copy).
 */
export function toFloat32(t: SafeTensor, name?: string): Float32Array {
  return toFloat(t, name, Float32Array, 'F32');
}

/**
 * The tensor's values as int32, for token ids and index maps: I64 values must fit int32 (else a
 * 'value' error), U8 widens, an I32 tensor returns its own `data`. Float and BOOL dtypes are a
 * 'dtype' error: silently truncating floats would hide a wrong tensor.
 */
export function toInt32(t: SafeTensor, name?: string): Int32Array {
  checkTensor(t, name);
  const label = tensorLabel(name);
  switch (t.dtype) {
    case 'I32':
      return t.data as Int32Array;
    case 'U8':
      return Int32Array.from(t.data as Uint8Array);
    case 'I64': {
      const out = new Int32Array(t.data.length);
      narrowInt64(out, t.data as BigInt64Array, -(2 ** 31), 2 ** 31 - 1, 'the int32 range', label);
      return out;
    }
    default:
      throw new DiffAttnError('dtype', `${label}: toInt32 needs an integer dtype (I64, I32 or U8), got ${t.dtype}`);
  }
}

/**
 * Encodes float64 values as a tensor of a float dtype, for writing. F32/F16/BF16 round to nearest
 * even in one step from float64; the data is always a fresh array.
 */
export function fromFloat64(data: Float64Array, dtype: 'F64' | 'F32' | 'F16' | 'BF16', shape: number[]): SafeTensor {
  const label = 'fromFloat64';
  check(typedArrayName(data) === 'Float64Array', 'dtype', () => `${label}: data must be a Float64Array, got ${describe(data)}`);
  check(dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16', 'dtype', () =>
    `${label}: dtype must be F64, F32, F16 or BF16, got ${describe(dtype)}`);
  const n = checkShape(shape, DTYPES[dtype].itemSize, 'shape', label);
  check(n === data.length, 'shape', () => `${label}: shape ${describe(shape)} needs ${n} elements but data has ${data.length}`);
  const encode = dtype === 'F16' ? f32ToF16 : f32ToBf16;
  const out = dtype === 'F64' ? data.slice() : dtype === 'F32' ? Float32Array.from(data) : Uint16Array.from(data, encode);
  return { dtype, shape: Array.from(shape), data: out };
}
