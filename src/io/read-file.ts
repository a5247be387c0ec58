/**
 * Reading a safetensors file from disk (Node only; kept apart so the reader itself stays
 * browser-safe).
 */
import { readFileSync } from 'node:fs';
import { DiffAttnError } from '../errors.js';
import { readSafetensors, type ReadOptions, type SafetensorsFile } from './safetensors-read.js';

/**
 * Reads and parses the safetensors file at `path` (see `readSafetensors`). The tensors are views
 * into one buffer holding the whole file. A file that cannot be read is a 'missing' error naming
 * the path and the system's reason.
 */
export function readSafetensorsFile(path: string, opts?: ReadOptions): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DiffAttnError('missing', `cannot read safetensors file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  // A Buffer can sit at any offset of a shared pool; an own, 0-based buffer keeps every
  // aligned tensor zero-copy and stops the views from pinning unrelated memory.
  if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = new Uint8Array(bytes);
  return readSafetensors(bytes, opts);
}
