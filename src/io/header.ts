/**
 * The parts of the safetensors header schema that the reader and the writer both enforce, so a
 * file the writer produces is always one the reader accepts, and vice versa.
 */
import { check, type DiffAttnErrorCode } from '../errors.js';
import { describe, quote } from './describe.js';

/** The reserved header key holding the string → string metadata. */
export const METADATA_KEY = '__metadata__';

/** The fields of a tensor entry, in the order the writer emits them. */
export const ENTRY_FIELDS: readonly string[] = Object.freeze(['dtype', 'shape', 'data_offsets']);

// With the u flag a surrogate pair is one code point, so only unpaired halves match.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Whether `s` survives UTF-8 encoding unchanged. An unpaired surrogate (possible in a JS string,
 * or in JSON via a `\ud800` escape) would be replaced by U+FFFD, silently renaming a tensor.
 */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * Checks a tensor name: a non-empty, well-formed string other than the metadata key. `where`
 * prefixes the message ('safetensors: ' or 'writeSafetensors: ').
 */
export function checkTensorName(name: unknown, code: DiffAttnErrorCode, where: string): asserts name is string {
  check(typeof name === 'string' && name !== '', code, () => `${where}tensor name must be a non-empty string, got ${describe(name)}`);
  check(name !== METADATA_KEY, code, () => `${where}tensor name ${quote(METADATA_KEY)} is reserved for the metadata`);
  check(isWellFormed(name), code, () => `${where}tensor name ${quote(name)} contains an unpaired UTF-16 surrogate`);
}

/**
 * Validates a metadata object (every value a well-formed string) and copies it into a
 * null-prototype record, in the source's key order; `where` prefixes error messages. Keys such as `__proto__` or `constructor`
 * become plain own properties there, with no prototype to reach or pollute.
 */
export function copyMetadata(value: unknown, code: DiffAttnErrorCode, where: string): Record<string, string> {
  check(typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value), code, () =>
    `${where}${METADATA_KEY} must be an object of string values, got ${describe(value)}`);
  const out: Record<string, string> = Object.create(null);
  for (const [key, v] of Object.entries(value)) {
    check(typeof v === 'string', code, () => `${where}${METADATA_KEY}[${quote(key)}] must be a string, got ${describe(v)}`);
    check(isWellFormed(key) && isWellFormed(v), code, () =>
      `${where}${METADATA_KEY}[${quote(key)}] contains an unpaired UTF-16 surrogate`);
    out[key] = v;
  }
  return out;
}
