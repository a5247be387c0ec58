/**
 * Byte-level text as a `BatchSource`: each row of a batch is a window of context + 1 consecutive
 * bytes at a random offset (ids the first context bytes, targets the last context), and the
 * held-out split is the corpus's tail.
 */
import { check } from '../errors.js';
import { Rng } from '../ref/random.js';
import type { Batch, BatchSource } from './types.js';

/** The position of a `TextCorpus` stream: how many rows it has handed out. */
export interface TextCorpusState {
  rows: number;
}

/**
 * Random windows of a byte array. Row r of the stream starts at an offset drawn from a hash of
 * (seed, r) alone, so the stream is a pure function of the seed and a row counter: `next(2b, T)`
 * hands out exactly the rows of two `next(b, T)` calls (gradient accumulation sees the same data
 * as one large batch), and the state is that counter.
 */
export class TextCorpus implements BatchSource {
  private rows = 0;

  constructor(readonly bytes: Uint8Array, readonly seed: number) {
    check(bytes.length >= 2, 'value', () => `TextCorpus: the corpus must hold at least 2 bytes, got ${bytes.length}`);
    check(Number.isSafeInteger(seed) && seed >= 0, 'value', () => `TextCorpus: seed must be an integer ≥ 0, got ${seed}`);
  }

  /** → ids, targets: [batch, context], targets the ids shifted by one byte (none ignored). */
  next(batch: number, context: number): Batch {
    check(Number.isSafeInteger(batch) && batch >= 1, 'value', () => `TextCorpus.next: batch must be an integer ≥ 1, got ${batch}`);
    check(Number.isSafeInteger(context) && context >= 1 && context < this.bytes.length, 'value', () =>
      `TextCorpus.next: context must be an integer in [1, ${this.bytes.length - 1}] (a window of context + 1 bytes must fit the ${this.bytes.length}-byte corpus), got ${context}`);
    const ids = new Int32Array(batch * context);
    const targets = new Int32Array(batch * context);
    const starts = this.bytes.length - context; // offsets 0 … starts − 1 fit a window
    for (let b = 0; b < batch; b++) {
      const at = Math.floor(rowUniform(this.seed, this.rows++) * starts);
      ids.set(this.bytes.subarray(at, at + context), b * context);
      targets.set(this.bytes.subarray(at + 1, at + context + 1), b * context);
    }
    return { ids, targets };
  }

  state(): TextCorpusState {
    return { rows: this.rows };
  }

  restore(state: unknown): void {
    const rows = (state as Partial<TextCorpusState> | null)?.rows;
    check(typeof rows === 'number' && Number.isSafeInteger(rows) && rows >= 0, 'value', () =>
      `TextCorpus.restore: expected { rows: integer ≥ 0 } (from state()), got ${JSON.stringify(state)}`);
    this.rows = rows;
  }
}

/** A `BatchSource` of random windows of `bytes` (see `TextCorpus`). */
export function textBatches(bytes: Uint8Array, seed: number): TextCorpus {
  return new TextCorpus(bytes, seed);
}

/**
 * Splits a corpus into training text and held-out text: the last ⌈valFraction · n⌉ bytes are the
 * validation split (contiguous, so no window straddles the two). Views, not copies.
 */
export function splitCorpus(bytes: Uint8Array, valFraction: number): { train: Uint8Array; val: Uint8Array } {
  check(valFraction > 0 && valFraction < 1, 'value', () => `splitCorpus: valFraction must be in (0, 1), got ${valFraction}`);
  const nVal = Math.ceil(valFraction * bytes.length);
  check(nVal >= 2 && bytes.length - nVal >= 2, 'value', () =>
    `splitCorpus: a ${bytes.length}-byte corpus split at valFraction ${valFraction} leaves ${bytes.length - nVal} training and ${nVal} validation bytes; each needs at least 2`);
  return { train: bytes.subarray(0, bytes.length - nVal), val: bytes.subarray(bytes.length - nVal) };
}

// A uniform in [0, 1) from (seed, row) alone: SplitMix32 started at a state that mixes both.
function rowUniform(seed: number, row: number): number {
  return new Rng((seed + Math.imul(row, 0x9e3779b9)) >>> 0).uniform();
}
