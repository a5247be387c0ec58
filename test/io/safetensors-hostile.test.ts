/**
 * One test per way a safetensors file can be malformed: each must give a DiffAttnError with the
 * right code and a message naming the culprit and the expected vs actual value.
 */
import { describe, expect, test } from 'vitest';
import { readSafetensors } from '../../src/io/index.js';
import { expectError, expectNoPollution, rawFile, withPrefix } from './helpers.js';

const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const f32x2 = entry('F32', [2], [0, 8]);
const read = (bytes: Uint8Array) => () => readSafetensors(bytes);

describe('length prefix', () => {
  test.each([0, 1, 7])('a %i-byte file', (n) => {
    expectError(read(new Uint8Array(n)), 'format', `file is ${n} bytes, shorter than the 8-byte header length`);
  });

  test('a header length beyond the end of the file', () => {
    expectError(read(withPrefix(10n, new Uint8Array(4))), 'format', 'header length 10 exceeds the 4 bytes after');
  });

  test('a u64 header length with its high word set', () => {
    expectError(read(withPrefix(2n ** 64n - 1n)), 'format', 'header length 18446744073709551615 is not a safe integer');
    expectError(read(withPrefix(2n ** 53n)), 'format', 'is not a safe integer');
    // Safe but absurd: rejected by the default limit before anything is allocated or scanned.
    expectError(read(withPrefix(2n ** 32n)), 'format', 'header length 4294967296 exceeds maxHeaderBytes 104857600');
  });

  test('a header longer than maxHeaderBytes', () => {
    const bytes = rawFile({ x: entry('U8', [1], [0, 1]) }, 1);
    expect(readSafetensors(bytes).tensors.size).toBe(1);
    expectError(() => readSafetensors(bytes, { maxHeaderBytes: 10 }), 'format', 'exceeds maxHeaderBytes 10');
  });

  test('bad arguments are value errors', () => {
    expectError(() => readSafetensors(new ArrayBuffer(8) as unknown as Uint8Array), 'value', 'expected a Uint8Array');
    expectError(() => readSafetensors(new Uint16Array(8) as unknown as Uint8Array), 'value', 'got a Uint16Array');
    expectError(() => readSafetensors(rawFile({}), { maxHeaderBytes: -1 }), 'value', 'maxHeaderBytes must be');
  });
});

describe('header text', () => {
  const withHeaderBytes = (...b: number[]) => {
    const out = withPrefix(BigInt(b.length), Uint8Array.from(b));
    return out;
  };

  test.each([
    ['a stray continuation byte', [0x7b, 0x80, 0x7d]],
    ['an overlong encoding of "/"', [0x7b, 0xc0, 0xaf, 0x7d]],
    ['an encoded surrogate', [0x7b, 0xed, 0xa0, 0x80, 0x7d]],
    ['a truncated sequence', [0x7b, 0xe2, 0x82]],
  ])('invalid UTF-8: %s', (_, b) => {
    expectError(read(withHeaderBytes(...b)), 'format', 'header is not valid UTF-8');
  });

  test.each([['empty', ''], ['unterminated', '{"a":'], ['single-quoted', "{'a':1}"], ['trailing comma', '{"a":1,}'],
    ['a byte-order mark', '\ufeff{}']])('invalid JSON: %s', (_, text) => {
    expectError(read(rawFile(text)), 'format', 'header is not valid JSON');
  });

  test.each([['an array', '[]', '[]'], ['null', 'null', 'null'], ['a number', '42', '42'], ['a string', '"x"', '"x"'],
    ['a boolean', 'true', 'true']])('a header that is %s', (_, text, shown) => {
    expectError(read(rawFile(text)), 'format', `header must be a JSON object, got ${shown}`);
  });

  test('an empty object is an empty file', () => {
    const file = readSafetensors(rawFile('{}  '));
    expect(file.tensors.size).toBe(0);
  });
});

describe('entries', () => {
  test.each([['a number', 5, 'got 5'], ['an array', [], 'got []'], ['null', null, 'got null'], ['a string', 'F32', 'got "F32"']])(
    'an entry that is %s', (_, value, shown) => {
      expectError(read(rawFile({ w: value })), 'format', 'tensor "w": entry must be an object', shown);
    });

  test.each(['dtype', 'shape', 'data_offsets'])('a missing %s', (field) => {
    const e: Record<string, unknown> = { ...f32x2 };
    delete e[field];
    expectError(read(rawFile({ w: e }, 8)), 'format', `tensor "w": missing field "${field}"`);
  });

  test('an extra field', () => {
    expectError(read(rawFile({ w: { ...f32x2, offset: 0 } }, 8)), 'format', 'tensor "w": unexpected field "offset"');
  });

  test.each(['I8', 'U16', 'F8_E4M3', 'f32', '', 'toString', '__proto__'])('unsupported dtype "%s"', (dtype) => {
    expectError(read(rawFile({ w: entry(dtype, [2], [0, 8]) }, 8)), 'dtype', `tensor "w": unsupported dtype "${dtype}"`,
      'supported: F64');
  });

  test('a dtype that is not a string', () => {
    expectError(read(rawFile({ w: entry(4 as unknown as string, [2], [0, 8]) }, 8)), 'format', 'dtype must be a string, got 4');
  });

  test.each([
    ['not an array', '2', 'got "2"'], ['a negative dimension', [2, -1], 'dimension 1 is -1'],
    ['a fractional dimension', [1.5], 'dimension 0 is 1.5'], ['a string dimension', ['2'], 'dimension 0 is "2"'],
    ['a null dimension', [null], 'dimension 0 is null'], ['an unsafe dimension', [2 ** 53], 'dimension 0 is 9007199254740992'],
  ])('a shape that is %s', (_, shape, fragment) => {
    expectError(read(rawFile({ w: entry('F32', shape, [0, 8]) }, 8)), 'format', 'tensor "w": shape must be', fragment);
  });

  test('a shape whose byte size overflows the safe integers', () => {
    const shape = [2 ** 26, 2 ** 26, 2 ** 26];
    expectError(read(rawFile({ w: entry('F64', shape, [0, 8]) }, 8)), 'format', 'tensor "w": shape',
      `has more than ${Math.floor(Number.MAX_SAFE_INTEGER / 8)} elements of 8 bytes`);
  });

  test('a huge but representable shape does not fit the data', () => {
    expectError(read(rawFile({ w: entry('F64', [1e6, 1e6], [0, 8]) }, 8)), 'format',
      'data_offsets [0, 8] hold 8 bytes but F64 shape [1000000,1000000] needs 8000000000000');
  });

  test.each([
    ['not an array', 8], ['one number', [8]], ['three numbers', [0, 4, 8]], ['negative', [-8, 0]],
    ['fractional', [0, 7.5]], ['strings', ['0', '8']], ['unsafe', [0, 2 ** 60]],
  ])('data_offsets that are %s', (_, offsets) => {
    expectError(read(rawFile({ w: entry('F32', [2], offsets) }, 8)), 'format',
      'tensor "w": data_offsets must be [begin, end] of non-negative safe integers');
  });

  test('data_offsets out of order, past the end, or of the wrong size', () => {
    expectError(read(rawFile({ w: entry('F32', [0], [8, 0]) }, 8)), 'format', 'tensor "w": data_offsets [8, 0] begin after');
    expectError(read(rawFile({ w: entry('F32', [2], [0, 8]) }, 6)), 'format', 'end 8 exceeds the 6-byte data section');
    expectError(read(rawFile({ w: entry('F32', [2, 3], [0, 16]) }, 16)), 'format',
      'data_offsets [0, 16] hold 16 bytes but F32 shape [2,3] needs 24');
  });

  test('a tensor name that is empty or not well-formed Unicode', () => {
    expectError(read(rawFile({ '': f32x2 }, 8)), 'format', 'non-empty');
    expectError(read(rawFile('{"a\\ud800":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}', 1)), 'format', 'surrogate');
  });

  test('BOOL bytes other than 0 and 1', () => {
    expectError(read(rawFile({ m: entry('BOOL', [3], [0, 3]) }, Uint8Array.of(1, 0, 2))), 'format',
      'tensor "m": BOOL element 2 is 2, expected 0 or 1');
  });
});

describe('data section tiling', () => {
  test('overlapping tensors', () => {
    const header = { a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) };
    expectError(read(rawFile(header, 12)), 'format', 'tensor "b" [4, 12] overlaps tensor "a" [0, 8]');
  });

  test('a zero-size tensor inside another one overlaps it', () => {
    const header = { a: entry('F32', [2], [0, 8]), z: entry('F32', [0], [4, 4]) };
    expectError(read(rawFile(header, 8)), 'format', 'tensor "z" [4, 4] overlaps tensor "a" [0, 8]');
  });

  test('zero-size tensors at a boundary are fine', () => {
    const header = { z0: entry('F64', [0, 3], [0, 0]), a: entry('F32', [2], [0, 8]), z8: entry('I64', [0], [8, 8]) };
    expect([...readSafetensors(rawFile(header, 8)).tensors.keys()]).toEqual(['z0', 'a', 'z8']);
  });

  test('a gap between tensors, leading bytes and trailing bytes', () => {
    const gap = { a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) };
    expectError(read(rawFile(gap, 12)), 'format', '4 bytes at [4, 8) of the data section belong to no tensor (before tensor "b"');
    expectError(read(rawFile({ b: entry('U8', [1], [3, 4]) }, 4)), 'format', '3 bytes at [0, 3)');
    expectError(read(rawFile({ a: entry('U8', [1], [0, 1]) }, 5)), 'format', '4 trailing bytes at [1, 5)');
    expectError(read(rawFile({}, 1)), 'format', '1 trailing bytes');
  });
});

describe('duplicate keys', () => {
  const e = '{"dtype":"U8","shape":[1],"data_offsets":[0,1]}';

  test.each([
    ['a repeated tensor name', `{"w":${e},"w":${e}}`, 'repeats key "w" (JSON would keep only the last)'],
    ['a name repeated through an escape', `{"w":${e},"\\u0077":${e}}`, 'repeats key "w"'],
    ['a repeated field', '{"w":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 'repeats key "dtype" in "w"'],
    ['a repeated metadata key', `{"__metadata__":{"k":"1","k":"2"},"w":${e}}`, 'repeats key "k" in "__metadata__"'],
    ['a repeated metadata block', `{"__metadata__":{},"w":${e},"__metadata__":{}}`, 'repeats key "__metadata__"'],
  ])('%s', (_, text, fragment) => {
    expectError(read(rawFile(text, 1)), 'format', fragment);
  });

  test('equal strings that are values, not keys, are fine', () => {
    const text = `{"__metadata__":{"a":"w","b":"w"},"w":${e}}`;
    expect(readSafetensors(rawFile(text, 1)).metadata.b).toBe('w');
  });
});

describe('prototype pollution', () => {
  const u8 = entry('U8', [1], [0, 1]);

  test('__proto__, constructor and prototype are ordinary tensor names', () => {
    const text = `{"__proto__":${JSON.stringify(u8)},"constructor":${JSON.stringify(entry('U8', [1], [1, 2]))},`
      + `"prototype":${JSON.stringify(entry('U8', [1], [2, 3]))}}`;
    const file = readSafetensors(rawFile(text, Uint8Array.of(7, 8, 9)));
    expect([...file.tensors.keys()]).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(file.tensors.get('__proto__')!.data[0]).toBe(7);
    expectNoPollution();
  });

  test('a __proto__ entry carrying a payload is rejected, not merged', () => {
    expectError(read(rawFile('{"__proto__":{"polluted":"yes"}}')), 'format', 'tensor "__proto__": unexpected field "polluted"');
    expectError(read(rawFile(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"__proto__":{"polluted":1}}}`, 1)),
      'format', 'unexpected field "__proto__"');
    expectNoPollution();
  });

  test('metadata keys __proto__ and constructor are plain data', () => {
    const file = readSafetensors(rawFile('{"__metadata__":{"__proto__":"x","constructor":"y","polluted":"z"}}'));
    expect(Object.getPrototypeOf(file.metadata)).toBeNull();
    expect(Object.keys(file.metadata)).toEqual(['__proto__', 'constructor', 'polluted']);
    expect(file.metadata.__proto__).toBe('x');
    expectNoPollution();
  });
});

describe('__metadata__', () => {
  test.each([['an array', '["a"]', 'got ["a"]'], ['a string', '"a"', 'got "a"'], ['null', 'null', 'got null']])(
    'that is %s', (_, value, shown) => {
      expectError(read(rawFile(`{"__metadata__":${value}}`)), 'format', '__metadata__ must be an object of string values', shown);
    });

  test.each([['a number', '1', 'got 1'], ['an object', '{}', 'got an object'], ['null', 'null', 'got null']])(
    'with a value that is %s', (_, value, shown) => {
      expectError(read(rawFile(`{"__metadata__":{"k":${value}}}`)), 'format', '__metadata__["k"] must be a string', shown);
    });
});
