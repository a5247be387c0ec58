/**
 * The golden fixtures were written by the Python `safetensors` library, so they check the reader
 * against an independent writer, and the writer against its byte layout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DTYPES, readSafetensors, writeSafetensors } from '../../src/io/index.js';
import { readSafetensorsFile } from '../../src/io/read-file.js';
import { bytesOf, expectError, expectSameBytes, expectSound } from './helpers.js';

const dir = new URL('../fixtures/golden/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();

test('the golden folder holds files to check', () => {
  expect(files.length).toBeGreaterThan(0);
});

describe.each(files)('%s', (name) => {
  const path = new URL(name, dir);

  test('reads soundly, with the oracle format tag and every tensor a zero-copy view', () => {
    const bytes = readFileSync(path);
    const file = readSafetensors(bytes);
    expect(file.metadata.format).toBe('diff-transformer-oracle/1');
    expect(file.tensors.size).toBeGreaterThan(0);
    expectSound(file, bytes);
    for (const [tensor, t] of file.tensors) {
      expect(t.data.buffer, tensor).toBe(bytes.buffer);
      expect(t.data.byteOffset % DTYPES[t.dtype].itemSize, tensor).toBe(0);
    }
  });

  test('re-writing gives the same tensors, and in fact the same file, byte for byte', () => {
    const bytes = readFileSync(path);
    const file = readSafetensors(bytes);
    const again = readSafetensors(writeSafetensors(file.tensors, file.metadata));
    expect([...again.tensors.keys()]).toEqual([...file.tensors.keys()]);
    for (const [tensor, t] of file.tensors) {
      const u = again.tensors.get(tensor)!;
      expect([u.dtype, u.shape], tensor).toEqual([t.dtype, t.shape]);
      expectSameBytes(bytesOf(u), bytesOf(t), tensor);
    }
    // Same order (size class, then UTF-8 name), compact JSON and space padding as Python's writer.
    expectSameBytes(writeSafetensors(file.tensors, file.metadata), bytes, name);
  });

  test('readSafetensorsFile reads it into its own buffer, zero-copy', () => {
    const file = readSafetensorsFile(path.pathname);
    const buffers = new Set([...file.tensors.values()].map((t) => t.data.buffer));
    expect(buffers.size).toBe(1);
    expect(file.metadata.format).toBe('diff-transformer-oracle/1');
  });
});

test('readSafetensorsFile names a file it cannot read', () => {
  const missing = new URL('no-such-file.safetensors', dir).pathname;
  expectError(() => readSafetensorsFile(missing), 'missing', 'cannot read safetensors file', 'no-such-file.safetensors', 'ENOENT');
});
