/**
 * The safetensors reader. It treats every byte as hostile: whatever the input, it returns
 * tensors whose data exactly fills their shape inside the file, or throws a `DiffAttnError`
 * naming the offending tensor with the expected and the actual value. Nothing here is
 * Node-specific, so it also runs in browsers.
 *
 * Layout: u64 little-endian header length N, N bytes of UTF-8 JSON, then the data section, which
 * the tensors' `data_offsets` must tile exactly (no overlap, no gap, no trailing bytes).
 */
import { check, DiffAttnError } from '../errors.js';
import { describe, quote, typedArrayName } from './describe.js';
import { checkShape, DTYPE_NAMES, DTYPES, HOST_LITTLE_ENDIAN, isDType, swapBytes, type DType,
  type SafeTensor, type TensorData } from './dtype.js';
import { checkTensorName, copyMetadata, ENTRY_FIELDS, METADATA_KEY } from './header.js';
import { findDuplicateKey } from './json-keys.js';

/** A parsed file: tensors in data-section order, and the `__metadata__` strings. */
export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  /** A null-prototype record (so keys like `__proto__` are plain data); `{}` when absent. */
  metadata: Record<string, string>;
}

/** Limits for `readSafetensors`. */
export interface ReadOptions {
  /** Largest accepted JSON header, in bytes; default `DEFAULT_MAX_HEADER_BYTES` (100 MiB). */
  maxHeaderBytes?: number;
}

/** The default header size limit: larger headers are refused before any parsing. */
export const DEFAULT_MAX_HEADER_BYTES = 100 * 1024 * 1024;

const PREFIX_BYTES = 8;
const WHERE = 'safetensors: ';

/** A validated header entry, not yet bound to its bytes. */
interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  numel: number;
  begin: number;
  end: number;
}

function fail(message: string): never {
  throw new DiffAttnError('format', `${WHERE}${message}`);
}

/** Reads and bounds-checks the u64 header length. */
function headerLength(bytes: Uint8Array, maxHeaderBytes: number): number {
  if (bytes.length < PREFIX_BYTES) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, PREFIX_BYTES);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (!Number.isSafeInteger(n)) fail(`header length ${(BigInt(hi) << 32n) | BigInt(lo)} is not a safe integer`);
  if (n > maxHeaderBytes) fail(`header length ${n} exceeds maxHeaderBytes ${maxHeaderBytes}`);
  const rest = bytes.length - PREFIX_BYTES;
  if (n > rest) fail(`header length ${n} exceeds the ${rest} bytes after the length prefix (truncated file?)`);
  return n;
}

/** Decodes the header bytes as strict UTF-8 (a BOM is kept, and so rejected by JSON). */
function headerText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return fail('header is not valid UTF-8');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${describe(e instanceof Error ? e.message : String(e))})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseEntry(name: string, raw: unknown, dataBytes: number): Entry {
  const label = `tensor ${quote(name)}`;
  if (!isRecord(raw)) fail(`${label}: entry must be an object {dtype, shape, data_offsets}, got ${describe(raw)}`);
  for (const field of Object.keys(raw)) {
    if (!ENTRY_FIELDS.includes(field)) fail(`${label}: unexpected field ${quote(field)} (expected only ${ENTRY_FIELDS.join(', ')})`);
  }
  for (const field of ENTRY_FIELDS) if (!Object.hasOwn(raw, field)) fail(`${label}: missing field ${quote(field)}`);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string') fail(`${label}: dtype must be a string, got ${describe(dtype)}`);
  check(isDType(dtype), 'dtype', () =>
    `${WHERE}${label}: unsupported dtype ${quote(dtype)} (supported: ${DTYPE_NAMES.join(', ')})`);
  const { itemSize } = DTYPES[dtype];
  const numel = checkShape(shape, itemSize, 'format', `${WHERE}${label}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`${label}: data_offsets must be [begin, end] of non-negative safe integers, got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${label}: data_offsets [${begin}, ${end}] begin after they end (expected begin ≤ end)`);
  if (end > dataBytes) fail(`${label}: data_offsets end ${end} exceeds the ${dataBytes}-byte data section`);
  const need = numel * itemSize;
  if (end - begin !== need) {
    fail(`${label}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype} shape ${describe(shape)} needs ${need}`);
  }
  return { name, dtype, shape: (shape as number[]).map((d) => d + 0), numel, begin, end }; // + 0 turns -0 into 0
}

/** Checks that the entries tile [0, dataBytes) exactly and returns them in offset order. */
function checkTiling(entries: Entry[], dataBytes: number): Entry[] {
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    const span = (x: Entry) => `tensor ${quote(x.name)} [${x.begin}, ${x.end}]`;
    if (prev && e.begin < cursor) fail(`${span(e)} overlaps ${span(prev)}`);
    if (e.begin > cursor) {
      fail(`${e.begin - cursor} bytes at [${cursor}, ${e.begin}) of the data section belong to no tensor (before ${span(e)})`);
    }
    cursor = e.end;
    prev = e;
  }
  if (cursor !== dataBytes) {
    fail(`${dataBytes - cursor} trailing bytes at [${cursor}, ${dataBytes}) of the data section belong to no tensor`);
  }
  return sorted;
}

/**
 * The elements of a tensor: a view into `bytes.buffer` when the platform is little-endian and the
 * absolute offset is a multiple of the element size (typed arrays require that), else a copy.
 */
function tensorData(bytes: Uint8Array, offset: number, e: Entry): TensorData {
  const { ArrayClass, itemSize } = DTYPES[e.dtype];
  const byteOffset = bytes.byteOffset + offset;
  if (HOST_LITTLE_ENDIAN && byteOffset % itemSize === 0) return new ArrayClass(bytes.buffer, byteOffset, e.numel);
  // Copy via set(), not slice(): a Node Buffer's slice() is a view, which would not realign.
  const copy = new Uint8Array(e.numel * itemSize);
  copy.set(bytes.subarray(offset, offset + copy.length));
  if (!HOST_LITTLE_ENDIAN) swapBytes(copy, itemSize);
  return new ArrayClass(copy.buffer, 0, e.numel);
}

/** BOOL bytes other than 0 and 1 have no meaning; accepting them would hand on a wrong tensor. */
function checkBool(data: Uint8Array, name: string): void {
  const bad = data.findIndex((v) => v > 1);
  if (bad >= 0) fail(`tensor ${quote(name)}: BOOL element ${bad} is ${data[bad]}, expected 0 or 1`);
}

/**
 * Parses a safetensors file. Tensor data are zero-copy views into `bytes.buffer` where alignment
 * allows (so they alias `bytes`), copies otherwise. Throws `DiffAttnError` ('format', or 'dtype'
 * for a dtype this library does not support) on any malformed input; see docs/safetensors.md.
 */
export function readSafetensors(bytes: Uint8Array, opts?: ReadOptions): SafetensorsFile {
  check(typedArrayName(bytes) === 'Uint8Array', 'value', () => `readSafetensors: expected a Uint8Array, got ${describe(bytes)}`);
  const maxHeaderBytes = opts?.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  check(Number.isSafeInteger(maxHeaderBytes) && maxHeaderBytes >= 0, 'value', () =>
    `readSafetensors: maxHeaderBytes must be a non-negative safe integer, got ${describe(maxHeaderBytes)}`);
  const n = headerLength(bytes, maxHeaderBytes);
  const text = headerText(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + n));
  const header = parseJson(text);
  if (!isRecord(header)) fail(`header must be a JSON object, got ${describe(header)}`);
  const dataStart = PREFIX_BYTES + n;
  const dataBytes = bytes.length - dataStart;
  let metadata: Record<string, string> = Object.create(null);
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = copyMetadata(raw, 'format', WHERE);
    } else {
      checkTensorName(name, 'format', WHERE);
      entries.push(parseEntry(name, raw, dataBytes));
    }
  }
  // Run after validation, which has bounded the nesting depth the scan has to walk.
  const dup = findDuplicateKey(text);
  if (dup) fail(`header repeats key ${quote(dup.key)}${dup.path.length ? ` in ${quote(dup.path[0])}` : ''} (JSON would keep only the last)`);
  const tensors = new Map<string, SafeTensor>();
  for (const e of checkTiling(entries, dataBytes)) {
    const data = tensorData(bytes, dataStart + e.begin, e);
    if (e.dtype === 'BOOL') checkBool(data as Uint8Array, e.name);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}
