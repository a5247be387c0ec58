/**
 * Typed access to a parsed `config.json`: every getter checks the JSON type and range of one key
 * and throws a `DiffAttnError` naming the file, the key, what was expected and what was found, so
 * each folder format states its fields once instead of re-deriving error messages.
 */
import { DiffAttnError, check } from '../errors.js';

export class JsonFields {
  private readonly obj: Record<string, unknown>;
  private readonly read = new Set<string>();

  constructor(readonly source: string, json: unknown) {
    check(typeof json === 'object' && json !== null && !Array.isArray(json), 'format', () =>
      `${source}: expected a JSON object, got ${describeJson(json)}`);
    this.obj = json as Record<string, unknown>;
  }

  /** Whether `key` is present (and not null). */
  has(key: string): boolean {
    return this.raw(key) !== undefined;
  }

  /** The raw value (undefined when absent or null); marks the key as known. */
  raw(key: string): unknown {
    this.read.add(key);
    const v = Object.hasOwn(this.obj, key) ? this.obj[key] : undefined;
    return v === null ? undefined : v;
  }

  /** An integer ≥ `min` (default 1); `fallback` when absent, else a 'missing' error. */
  int(key: string, fallback?: number, min = 1): number {
    const v = this.value(key, fallback);
    if (!Number.isSafeInteger(v) || (v as number) < min) this.bad(key, `an integer ≥ ${min}`, v);
    return v as number;
  }

  /** A finite number in [min, max) (by default any finite number). */
  num(key: string, fallback?: number, range: { min?: number; max?: number; minExclusive?: boolean } = {}): number {
    const v = this.value(key, fallback);
    const { min = -Infinity, max = Infinity, minExclusive = false } = range;
    const ok = typeof v === 'number' && Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v < max;
    if (!ok) {
      const lo = min === -Infinity ? '' : `${minExclusive ? '>' : '≥'} ${min}`;
      const hi = max === Infinity ? '' : `< ${max}`;
      this.bad(key, `a number${lo || hi ? ` ${[lo, hi].filter(Boolean).join(' and ')}` : ''}`, v);
    }
    return v as number;
  }

  bool(key: string, fallback?: boolean): boolean {
    const v = this.value(key, fallback);
    if (typeof v !== 'boolean') this.bad(key, 'true or false', v);
    return v as boolean;
  }

  /** One of `choices`. */
  oneOf<T extends string>(key: string, choices: readonly T[], fallback?: T): T {
    const v = this.value(key, fallback);
    if (!choices.includes(v as T)) this.bad(key, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, v);
    return v as T;
  }

  /** Rejects keys no getter asked for: a misspelt key must not silently fall back to a default. */
  rejectUnknown(): void {
    const unknown = Object.keys(this.obj).filter((k) => !this.read.has(k));
    check(unknown.length === 0, 'unknown', () =>
      `${this.source}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}`);
  }

  /** A 'value' error for `key`. */
  bad(key: string, expected: string, actual: unknown = this.raw(key)): never {
    throw new DiffAttnError('value', `${this.source}: '${key}' must be ${expected}, got ${describeJson(actual)}`);
  }

  private value(key: string, fallback: unknown): unknown {
    const v = this.raw(key) ?? fallback;
    if (v === undefined) throw new DiffAttnError('missing', `${this.source}: required key '${key}' is missing`);
    return v;
  }
}

function describeJson(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}
