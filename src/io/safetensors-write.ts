/**
 * The safetensors writer. Output is deterministic and aligned: the header is padded with spaces
 * to a multiple of 8 bytes, and tensors follow in descending element size (names in code-point
 * order within a size), so every tensor starts at a multiple of its element size and a reader
 * can view it in place. This is also the order the Python `safetensors` library writes.
 */
import { check, DiffAttnError } from '../errors.js';
import { describe, quote } from './describe.js';
import { checkTensor, DTYPES, HOST_LITTLE_ENDIAN, swapBytes, type SafeTensor } from './dtype.js';
import { checkTensorName, copyMetadata, METADATA_KEY } from './header.js';

const PREFIX_BYTES = 8;
const ALIGN = 8;
const WHERE = 'writeSafetensors: ';

/**
 * Orders strings by Unicode code point (which is UTF-8 byte order, as Rust and Python sort),
 * not by UTF-16 unit: the two differ only when a surrogate meets a unit in U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (parts of code points ≥ U+10000) above U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** The caller's tensors as validated [name, tensor] pairs. */
function collect(tensors: Map<string, SafeTensor> | Record<string, SafeTensor>): [string, SafeTensor][] {
  const pairs: [string, unknown][] = tensors instanceof Map ? [...tensors.entries()]
    : typeof tensors === 'object' && tensors !== null && !Array.isArray(tensors) ? Object.entries(tensors)
      : fail(`${WHERE}tensors must be a Map or a record of name → SafeTensor, got ${describe(tensors)}`);
  for (const [name, t] of pairs) {
    checkTensorName(name, 'value', WHERE);
    checkTensor(t, name);
    const { dtype, data } = t as SafeTensor;
    // The reader rejects other BOOL bytes, so writing them would produce an unreadable file.
    const bad = dtype === 'BOOL' ? (data as Uint8Array).findIndex((v) => v > 1) : -1;
    check(bad < 0, 'value', () => `tensor ${quote(name)}: BOOL element ${bad} is ${data[bad]}, expected 0 or 1`);
  }
  return pairs as [string, SafeTensor][];
}

function fail(message: string): never {
  throw new DiffAttnError('value', message);
}

function allocate(size: number): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch {
    throw new DiffAttnError('memory', `${WHERE}cannot allocate ${size} bytes for the file`);
  }
}

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes. Inputs are validated:
 * names non-empty and well-formed, dtype matching the array class, data length matching the
 * shape, BOOL bytes 0/1, metadata values strings; violations throw `DiffAttnError`. Metadata
 * keeps the record's key order; an empty or absent record writes no `__metadata__`.
 */
export function writeSafetensors(tensors: Map<string, SafeTensor> | Record<string, SafeTensor>,
  metadata?: Record<string, string>): Uint8Array {
  const meta = Object.entries(metadata === undefined ? {} : copyMetadata(metadata, 'value', WHERE));
  const itemSize = (t: SafeTensor) => DTYPES[t.dtype].itemSize;
  const pairs = collect(tensors).sort(([na, a], [nb, b]) => itemSize(b) - itemSize(a) || compareCodePoints(na, nb));
  const parts: string[] = [];
  if (meta.length > 0) {
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of pairs) {
    const begin = offset;
    offset += t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${begin},${offset}]}`);
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerBytes = json.length + ((ALIGN - ((PREFIX_BYTES + json.length) % ALIGN)) % ALIGN);
  const out = allocate(PREFIX_BYTES + headerBytes + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerBytes / 2 ** 32), true);
  out.set(json, PREFIX_BYTES);
  out.fill(0x20, PREFIX_BYTES + json.length, PREFIX_BYTES + headerBytes);
  let pos = PREFIX_BYTES + headerBytes;
  for (const [, t] of pairs) {
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(raw, pos);
    if (!HOST_LITTLE_ENDIAN) swapBytes(out.subarray(pos, pos + raw.length), itemSize(t));
    pos += raw.length;
  }
  return out;
}
