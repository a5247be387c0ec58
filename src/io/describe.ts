/**
 * Quoting of untrusted names and values for error messages.
 *
 * Names and values in a hostile file can be megabytes long, hold control characters, or (on the
 * writer side) be objects whose conversion to string throws. These helpers always return a short,
 * printable string, so building an error message can never itself fail or flood a log.
 */

const MAX_CHARS = 80;

function clip(s: string): string {
  return s.length <= MAX_CHARS ? s : `${s.slice(0, MAX_CHARS)}…(${s.length} chars)`;
}

/** A tensor or key name as a JSON string literal, clipped. */
export function quote(name: string): string {
  return clip(JSON.stringify(name));
}

/** `tensor "name"` for messages, or `tensor` when the caller gave no name. */
export function tensorLabel(name: string | undefined): string {
  return name === undefined ? 'tensor' : `tensor ${quote(name)}`;
}

/** A short description of any value: JSON for plain data, its kind for everything else. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
    case 'function':
      return `a ${typeof value}`;
    default:
      return describeObject(value as object | null);
  }
}

function describeObject(value: object | null): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return `a ${typedArrayName(value) ?? 'DataView'} of ${value.byteLength} bytes`;
  if (!Array.isArray(value)) return 'an object';
  // Only the head is shown, so a header shape with millions of entries stays cheap to report.
  const head = value.slice(0, 16);
  if (!head.every((v) => typeof v === 'number' || typeof v === 'string')) return `an array of length ${value.length}`;
  return clip(`[${head.map(describe).join(',')}${value.length > head.length ? ',…' : ''}]`);
}

const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), Symbol.toStringTag)
  ?.get as (this: unknown) => string | undefined;

/**
 * The built-in class name of a typed array ('Float32Array', …), or undefined for anything else.
 * It reads the engine's internal slot, so it sees through subclasses (Node's Buffer is a
 * 'Uint8Array') and works for arrays from another realm, where `instanceof` would fail.
 */
export function typedArrayName(value: unknown): string | undefined {
  return typedArrayTag.call(value);
}
