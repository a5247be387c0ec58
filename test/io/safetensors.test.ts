import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DTYPE_NAMES, DTYPES, readSafetensors, writeSafetensors, type SafeTensor } from '../../src/io/index.js';
import { swapBytes } from '../../src/io/dtype.js';
import { compareCodePoints } from '../../src/io/safetensors-write.js';
import { bytesOf, expectError, expectSameBytes, expectNoPollution, expectSound, metadataArb, parseHeader, tensorFromBytes, tensorsArb }
  from './helpers.js';

/** A tensor of `dtype` whose bytes are 1, 2, 3, … (BOOL: alternating 0/1), so every byte is distinct. */
function counting(dtype: SafeTensor['dtype'], shape: number[]): SafeTensor {
  const n = shape.reduce((a, b) => a * b, 1) * DTYPES[dtype].itemSize;
  return tensorFromBytes(dtype, shape, Uint8Array.from({ length: n }, (_, i) => i + 1));
}

/** One tensor of every dtype, as a scalar, a vector, a matrix and a zero-size tensor. */
function everyDtype(): Map<string, SafeTensor> {
  const shapes: number[][] = [[], [3], [2, 3], [0, 4]];
  const m = new Map<string, SafeTensor>();
  for (const dtype of DTYPE_NAMES) for (const shape of shapes) m.set(`${dtype}/[${shape}]`, counting(dtype, shape));
  return m;
}

/** Lexicographic comparison of the UTF-8 encodings, the order Rust and Python sort names in. */
function utf8Compare(x: string, y: string): number {
  const [a, b] = [new TextEncoder().encode(x), new TextEncoder().encode(y)];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function expectSameTensors(actual: Map<string, SafeTensor>, expected: Map<string, SafeTensor>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, t] of expected) {
    const got = actual.get(name)!;
    expect(got.dtype, name).toBe(t.dtype);
    expect(got.shape, name).toEqual(t.shape);
    expect(got.data.constructor, name).toBe(t.data.constructor);
    expectSameBytes(bytesOf(got), bytesOf(t), name);
  }
}

describe('round trip', () => {
  test('every dtype, including scalars (shape []) and zero-size tensors', () => {
    const tensors = everyDtype();
    const bytes = writeSafetensors(tensors);
    const file = readSafetensors(bytes);
    expectSameTensors(file.tensors, tensors);
    expectSound(file, bytes);
    expect(file.tensors.get('F64/[]')!.data.length).toBe(1);
    expect(file.tensors.get('I32/[0,4]')!.data.length).toBe(0);
  });

  test('metadata keeps its keys, order and values, in a null-prototype record', () => {
    const metadata = Object.assign(Object.create(null), { b: '1', a: 'x y', ['__proto__']: 'p', constructor: 'c', é: '✓' });
    const file = readSafetensors(writeSafetensors(new Map(), metadata));
    expect(Object.getPrototypeOf(file.metadata)).toBeNull();
    expect(Object.entries(file.metadata)).toEqual(Object.entries(metadata));
    expectNoPollution();
  });

  test('a file without metadata reads back an empty record, and an empty record writes none', () => {
    const bytes = writeSafetensors({ x: counting('F32', [2]) }, {});
    expect(Object.keys(parseHeader(bytes).header)).toEqual(['x']);
    expect(Object.keys(readSafetensors(bytes).metadata)).toEqual([]);
  });

  test('a Record and a Map give the same bytes', () => {
    const tensors = everyDtype();
    expect(writeSafetensors(Object.fromEntries(tensors))).toEqual(writeSafetensors(tensors));
  });

  test('property: any valid tensors and metadata survive write → read', () => {
    fc.assert(fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
      const bytes = writeSafetensors(tensors, metadata);
      const file = readSafetensors(bytes);
      expectSameTensors(file.tensors, tensors);
      expect(Object.entries(file.metadata)).toEqual(Object.entries(metadata));
      expectSound(file, bytes);
    }));
  });
});

describe('writer layout', () => {
  test('the header is space-padded so the data section starts at a multiple of 8', () => {
    fc.assert(fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
      const bytes = writeSafetensors(tensors, metadata);
      const { dataStart } = parseHeader(bytes);
      expect(dataStart % 8).toBe(0);
      const text = new TextDecoder().decode(bytes.subarray(8, dataStart));
      expect(text).toBe(text.trimEnd() + ' '.repeat(text.length - text.trimEnd().length));
      expect(text.trimEnd().endsWith('}')).toBe(true);
    }));
  });

  test('every tensor starts at a multiple of its element size, widest dtypes first', () => {
    fc.assert(fc.property(tensorsArb, (tensors) => {
      const bytes = writeSafetensors(tensors);
      const { header, dataStart } = parseHeader(bytes);
      const spans = Object.entries(header).map(([name, e]) => {
        const { dtype, data_offsets: [begin] } = e as { dtype: SafeTensor['dtype']; data_offsets: number[] };
        return { name, begin, size: DTYPES[dtype].itemSize };
      }).sort((a, b) => a.begin - b.begin);
      for (const s of spans) expect((dataStart + s.begin) % s.size, s.name).toBe(0);
      for (let i = 1; i < spans.length; i++) expect(spans[i - 1].size).toBeGreaterThanOrEqual(spans[i].size);
    }));
  });

  test('output does not depend on insertion order; names sort by UTF-8 bytes within a size', () => {
    const names = ['b', 'a', '\u{10000}', '\uffff', 'B'];
    const forward = new Map(names.map((n) => [n, counting('U8', [1])]));
    const bytes = writeSafetensors(forward);
    expect(writeSafetensors(new Map([...forward].reverse()))).toEqual(bytes);
    // U+FFFF sorts before U+10000 in UTF-8 (and in Python's output), though not in UTF-16.
    expect([...readSafetensors(bytes).tensors.keys()]).toEqual([...names].sort(utf8Compare));
    expect(utf8Compare('\uffff', '\u{10000}')).toBeLessThan(0);
    expect('\uffff' < '\u{10000}').toBe(false);
  });

  test('property: compareCodePoints agrees with comparing UTF-8 bytes', () => {
    const unit = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.constantFrom('\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{10ffff}'));
    const str = fc.string({ unit, maxLength: 4 });
    fc.assert(fc.property(str, str, (x, y) => {
      expect(Math.sign(compareCodePoints(x, y))).toBe(Math.sign(utf8Compare(x, y)));
    }));
  });
});

describe('zero-copy', () => {
  const tensors = everyDtype();
  const file = writeSafetensors(tensors);

  test('an aligned file gives views into the input buffer that alias it', () => {
    const result = readSafetensors(file);
    for (const [name, t] of result.tensors) expect(t.data.buffer, name).toBe(file.buffer);
    const view = result.tensors.get('U8/[3]')!.data as Uint8Array;
    const at = view.byteOffset;
    view[0] = 200;
    expect(file[at]).toBe(200);
    view[0] = bytesOf(tensors.get('U8/[3]')!)[0];
  });

  test.each([1, 2, 4])('at byte offset %i, tensors whose element size does not divide it are copied', (shift) => {
    const host = new Uint8Array(file.length + shift);
    host.set(file, shift);
    // A Node Buffer too: its slice() would be a view, which must not be mistaken for a copy.
    for (const bytes of [host.subarray(shift), Buffer.from(host.buffer, shift, file.length)]) {
      const result = readSafetensors(bytes);
      expectSameTensors(result.tensors, tensors);
      for (const [name, t] of result.tensors) {
        const aligned = shift % DTYPES[t.dtype].itemSize === 0;
        expect(t.data.buffer === host.buffer, name).toBe(aligned);
      }
    }
  });

  test('swapBytes reverses each element, as a big-endian host needs', () => {
    const b = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    swapBytes(b, 4);
    expect([...b]).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    swapBytes(b, 2);
    expect([...b]).toEqual([3, 4, 1, 2, 7, 8, 5, 6]);
  });
});

describe('writer rejects bad input', () => {
  const ok = counting('F32', [2]);

  test.each([
    ['an empty name', { '': ok }, 'value', 'non-empty'],
    ['the reserved name', { __metadata__: ok }, 'value', 'reserved'],
    ['an unpaired surrogate in a name', { ['a\ud800']: ok }, 'value', 'surrogate'],
    ['a non-object tensor', { x: 5 }, 'value', 'expected {dtype, shape, data}'],
    ['an unknown dtype', { x: { ...ok, dtype: 'F8' } }, 'dtype', 'unsupported dtype "F8"'],
    ['data of the wrong class', { x: { ...ok, data: new Float64Array(2) } }, 'dtype', 'needs its data in a Float32Array'],
    ['a shape that does not match the data', { x: { ...ok, shape: [3] } }, 'shape', 'needs 3 elements but data has 2'],
    ['a negative dimension', { x: { ...ok, shape: [-2] } }, 'shape', 'dimension 0 is -2'],
    ['a sparse shape', { x: { ...ok, shape: [, 2] } }, 'shape', 'dimension 0 is undefined'],
    ['a BOOL byte other than 0/1', { x: { dtype: 'BOOL', shape: [2], data: Uint8Array.of(1, 2) } }, 'value', 'element 1 is 2'],
  ])('%s', (_, tensors, code, fragment) => {
    expectError(() => writeSafetensors(tensors as Record<string, SafeTensor>), code as 'value', fragment);
  });

  test.each([
    ['a non-object', 'meta', 'must be an object'],
    ['an array', ['a'], 'must be an object'],
    ['a non-string value', { a: 1 }, '__metadata__["a"] must be a string, got 1'],
    ['an unpaired surrogate', { a: '\udc00' }, 'surrogate'],
  ])('metadata that is %s', (_, metadata, fragment) => {
    expectError(() => writeSafetensors({ x: ok }, metadata as Record<string, string>), 'value', fragment);
  });

  test('tensors that are neither a Map nor a record', () => {
    for (const bad of [null, 3, [ok]]) {
      expectError(() => writeSafetensors(bad as unknown as Record<string, SafeTensor>), 'value', 'must be a Map or a record');
    }
  });
});
