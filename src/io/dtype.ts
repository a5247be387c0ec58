/**
 * The element types a safetensors file may hold here, and the in-memory tensor they decode to.
 *
 * Each dtype maps to exactly one typed-array class, so a tensor's `data` can be checked against
 * its `dtype` without looking at values. F16 and BF16 have no native array, so their raw bits
 * travel in a Uint16Array; `toFloat64`/`toFloat32` decode them.
 */
import { check, type DiffAttnErrorCode } from '../errors.js';
import { describe, tensorLabel, typedArrayName } from './describe.js';

/** Element type names, spelled as in the safetensors header. */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

/** Element storage: F16/BF16 as raw bits in a Uint16Array, U8 and BOOL (0 or 1) as Uint8Array. */
export type TensorData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;

/** One tensor: row-major `data` of `shape` (`[]` is a scalar with one element). */
export interface SafeTensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** A typed-array class able to hold some dtype's elements. */
export interface TensorArrayClass {
  new (length: number): TensorData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData;
}

/** What the reader and writer need to know about a dtype. */
export interface DTypeInfo {
  /** Bytes per element; also the alignment a zero-copy view needs. */
  readonly itemSize: number;
  /** The built-in name of the typed-array class that holds it. */
  readonly arrayName: string;
  readonly ArrayClass: TensorArrayClass;
}

const info = (itemSize: number, ArrayClass: TensorArrayClass & { name: string }): DTypeInfo =>
  Object.freeze({ itemSize, arrayName: ArrayClass.name, ArrayClass });

/** The supported dtypes, in a null-prototype table so no lookup can reach Object.prototype. */
export const DTYPES: Readonly<Record<DType, DTypeInfo>> = Object.freeze(Object.assign(Object.create(null), {
  F64: info(8, Float64Array),
  I64: info(8, BigInt64Array),
  F32: info(4, Float32Array),
  I32: info(4, Int32Array),
  F16: info(2, Uint16Array),
  BF16: info(2, Uint16Array),
  U8: info(1, Uint8Array),
  BOOL: info(1, Uint8Array),
}));

/** The supported dtype names, widest first. */
export const DTYPE_NAMES = Object.freeze(Object.keys(DTYPES) as DType[]);

/** Whether `value` names a supported dtype. */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(DTYPES, value);
}

/**
 * Checks that `shape` is an array of non-negative safe integers whose element count, times
 * `itemSize` bytes, is still a safe integer, and returns the element count. A zero dimension makes
 * the count 0 whatever the other dimensions are (they must still be safe integers).
 */
export function checkShape(shape: unknown, itemSize: number, code: DiffAttnErrorCode, label: string): number {
  const malformed = (at = '') => `${label}: shape must be an array of non-negative safe integers, got ${describe(shape)}${at}`;
  check(Array.isArray(shape), code, () => malformed());
  const limit = Math.floor(Number.MAX_SAFE_INTEGER / itemSize);
  let n = 1;
  let zero = false;
  let overflow = false;
  // An indexed loop (not every/for-of) also visits the holes of a sparse array.
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    check(Number.isSafeInteger(d) && (d as number) >= 0, code, () => malformed(` (dimension ${i} is ${describe(d)})`));
    if (d === 0) zero = true;
    else if (!overflow) {
      // Exact while the true product is ≤ limit (< 2^53); a larger one cannot round down to ≤ limit.
      n *= d as number;
      overflow = n > limit;
    }
  }
  if (zero) return 0;
  check(!overflow, code, () => `${label}: shape ${describe(shape)} has more than ${limit} elements of ${itemSize} bytes`);
  return n;
}

/**
 * Checks that `t` is a consistent SafeTensor (known dtype, matching array class, valid shape,
 * `data.length` equal to the element count) and returns the element count. Used on every tensor
 * handed in by a caller, before it is encoded or converted.
 */
export function checkTensor(t: unknown, name?: string): number {
  const label = tensorLabel(name);
  check(typeof t === 'object' && t !== null, 'value', () => `${label}: expected {dtype, shape, data}, got ${describe(t)}`);
  const { dtype, shape, data } = t as Partial<SafeTensor>;
  check(isDType(dtype), 'dtype', () => `${label}: unsupported dtype ${describe(dtype)} (supported: ${DTYPE_NAMES.join(', ')})`);
  const { arrayName, itemSize } = DTYPES[dtype];
  check(typedArrayName(data) === arrayName, 'dtype', () =>
    `${label}: dtype ${dtype} needs its data in a ${arrayName}, got ${describe(data)}`);
  const n = checkShape(shape, itemSize, 'shape', label);
  check(data!.length === n, 'shape', () =>
    `${label}: shape ${describe(shape)} needs ${n} elements but data has ${data!.length}`);
  return n;
}

/** Whether this platform stores multi-byte numbers little-endian, as safetensors does. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Reverses the bytes of each `itemSize`-byte element in place, converting between little-endian
 * file order and a big-endian host's order.
 */
export function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i + itemSize <= bytes.length; i += itemSize) bytes.subarray(i, i + itemSize).reverse();
}
