/**
 * Golden files: safetensors files whose `__metadata__` describes a case (kind, sizes, options)
 * and whose tensors hold its parameters, inputs, outputs, gradients and intermediates. This file
 * gives typed, validated access to them; what a case means lives in `src/oracle`.
 */
import { DiffAttnError, check } from '../errors.js';
import { readSafetensors, toFloat64, type SafeTensor } from './safetensors.js';

/** A float64 tensor read from a file. */
export interface F64Tensor {
  shape: number[];
  data: Float64Array;
}

export class GoldenFile {
  readonly tensors: ReadonlyMap<string, SafeTensor>;
  readonly metadata: Readonly<Record<string, string>>;

  constructor(readonly source: string, bytes: Uint8Array) {
    const file = readSafetensors(bytes);
    this.tensors = file.tensors;
    this.metadata = file.metadata;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The tensor `name` as float64 (any numeric dtype), or a 'missing' error naming the file. */
  f64(name: string): F64Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new DiffAttnError('missing', `${this.source}: tensor '${name}' is missing`);
    return { shape: [...t.shape], data: toFloat64(t, name) };
  }

  /** A metadata string, or a 'missing' error. */
  str(key: string): string {
    const v = this.metadata[key];
    if (v === undefined) throw new DiffAttnError('missing', `${this.source}: metadata key '${key}' is missing`);
    return v;
  }

  /** A metadata value that must be a finite number. */
  num(key: string): number {
    const s = this.str(key).trim();
    const v = Number(s);
    check(s !== '' && Number.isFinite(v), 'format', () => `${this.source}: metadata '${key}' must be a number, got '${s}'`);
    return v;
  }

  /** A metadata value that must be a non-negative integer. */
  int(key: string): number {
    const v = this.num(key);
    check(Number.isSafeInteger(v) && v >= 0, 'format', () => `${this.source}: metadata '${key}' must be a non-negative integer, got ${v}`);
    return v;
  }

  /** A metadata value that must be 'true' or 'false'; `fallback` when absent. */
  bool(key: string, fallback?: boolean): boolean {
    if (this.metadata[key] === undefined && fallback !== undefined) return fallback;
    const s = this.str(key).trim().toLowerCase();
    check(s === 'true' || s === 'false', 'format', () => `${this.source}: metadata '${key}' must be 'true' or 'false', got '${s}'`);
    return s === 'true';
  }

  /** `num(key)`, or `fallback` when the key is absent. */
  numOr(key: string, fallback: number): number {
    return this.metadata[key] === undefined ? fallback : this.num(key);
  }
}
