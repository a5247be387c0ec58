/**
 * Shared test tools for src/io: building raw files byte by byte, asserting on DiffAttnErrors,
 * generating valid tensors, and checking a read result against the bytes it came from without
 * trusting the reader's own bookkeeping.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { catchDiffAttnError } from '../support/errors.js';
import { DiffAttnError, type DiffAttnErrorCode } from '../../src/errors.js';
import { DTYPE_NAMES, DTYPES, type DType, type SafeTensor, type SafetensorsFile } from '../../src/io/index.js';

/** A file from a header (object or raw JSON text) and a data section, with a correct length prefix. */
export function rawFile(header: unknown, data: Uint8Array | number = 0): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** A file whose 8-byte prefix claims `length` (any u64) followed by `rest`. */
export function withPrefix(length: bigint, rest: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(8 + rest.length);
  new DataView(out.buffer).setBigUint64(0, length, true);
  out.set(rest, 8);
  return out;
}

/** The header of a well-formed file, parsed independently of the reader. */
export function parseHeader(bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), dataStart: 8 + n };
}

/** Asserts `fn` throws a DiffAttnError with `code` whose message contains every fragment. */
export function expectError(fn: () => unknown, code: DiffAttnErrorCode, ...fragments: string[]): DiffAttnError {
  const err = catchDiffAttnError(fn);
  expect(err.code, err.message).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
  return err;
}

/** Builds a typed array for `dtype` over a copy of `bytes` (BOOL bytes are reduced to 0/1). */
export function tensorFromBytes(dtype: DType, shape: number[], bytes: Uint8Array): SafeTensor {
  const { ArrayClass, itemSize } = DTYPES[dtype];
  const copy = dtype === 'BOOL' ? bytes.map((b) => b & 1) : bytes.slice();
  return { dtype, shape, data: new ArrayClass(copy.buffer, 0, copy.length / itemSize) };
}

/** The raw little-endian bytes of a tensor's data (tests run on little-endian hosts). */
export function bytesOf(t: SafeTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/**
 * Asserts two byte ranges are equal, reporting the first difference. (vitest's deep equality is
 * far too slow for megabyte arrays and also compares the class, Buffer vs Uint8Array.)
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, label = 'bytes'): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const at = actual.findIndex((b, i) => b !== expected[i]);
  expect(at, `${label}: first differing byte`).toBe(-1);
}

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Any valid tensor: every dtype, rank 0–3 (scalars and zero-size included), random bytes. */
export const tensorArb: fc.Arbitrary<SafeTensor> = fc
  .record({ dtype: fc.constantFrom(...DTYPE_NAMES), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) })
  .chain(({ dtype, shape }) => {
    const n = numel(shape) * DTYPES[dtype].itemSize;
    return fc.uint8Array({ minLength: n, maxLength: n }).map((b) => tensorFromBytes(dtype, shape, b));
  });

/** Tensor names, biased towards ones that are special to JavaScript objects. */
export const nameArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }).filter((s) => s !== '__metadata__'),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '0', '10', 'a.b'),
);

/** A metadata record with a null prototype, which may hold `__proto__` as an ordinary key. */
export const metadataArb: fc.Arbitrary<Record<string, string>> = fc
  .array(fc.tuple(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('__proto__', 'constructor')),
    fc.string({ unit: 'binary' })), { maxLength: 4 })
  .map((pairs) => Object.assign(Object.create(null), Object.fromEntries(pairs)));

/** A set of uniquely named valid tensors. */
export const tensorsArb: fc.Arbitrary<Map<string, SafeTensor>> = fc
  .uniqueArray(fc.tuple(nameArb, tensorArb), { selector: ([name]) => name, maxLength: 6 })
  .map((pairs) => new Map(pairs));

/**
 * Asserts a read result is structurally sound against the bytes, re-deriving each tensor's place
 * from the header independently: valid dtype/shape, data of the right class and length, data
 * equal to the bytes at its offsets, BOOL bytes 0/1, and the data section exactly tiled.
 */
export function expectSound(file: SafetensorsFile, bytes: Uint8Array): void {
  const { header, dataStart } = parseHeader(bytes);
  const spans: [number, number][] = [];
  for (const [name, t] of file.tensors) {
    const entry = Object.getOwnPropertyDescriptor(header, name)?.value as { data_offsets: [number, number] };
    const [begin, end] = entry.data_offsets;
    expect(DTYPE_NAMES).toContain(t.dtype);
    expect(t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
    expect(t.data).toBeInstanceOf(DTYPES[t.dtype].ArrayClass);
    expect(t.data.length).toBe(numel(t.shape));
    expect(end - begin).toBe(t.data.byteLength);
    expect(dataStart + end).toBeLessThanOrEqual(bytes.length);
    expectSameBytes(bytesOf(t), bytes.subarray(dataStart + begin, dataStart + end), name);
    if (t.dtype === 'BOOL') expect((t.data as Uint8Array).every((b) => b <= 1)).toBe(true);
    spans.push([begin, end]);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [begin, end] of spans) {
    expect(begin, 'tensors must tile the data section without gap or overlap').toBe(cursor);
    cursor = end;
  }
  expect(cursor, 'no trailing bytes').toBe(bytes.length - dataStart);
}

/** Asserts that nothing reachable from a fresh object was added to Object.prototype. */
export function expectNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
  expect(Object.keys(Object.prototype)).toEqual([]);
}
