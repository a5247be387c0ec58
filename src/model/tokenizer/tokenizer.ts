/**
 * The tokenizer interface every model folder's tokenizer implements, and the checks that tie a
 * tokenizer to a model: its ids must all be rows of the model's embedding.
 */
import { check } from '../../errors.js';

/** Turns generated ids into text piece by piece, emitting only complete characters. */
export interface TextStream {
  /** Adds one id; returns the text that became complete (often '', e.g. mid-way through a UTF-8 sequence). */
  push(id: number): string;
  /** Ends the stream: returns whatever is still held back (an incomplete sequence decodes as U+FFFD). */
  flush(): string;
}

export interface Tokenizer {
  /** Number of ids: every id is in [0, vocabSize). */
  readonly vocabSize: number;
  readonly bosId?: number;
  readonly eosId?: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** A fresh streaming decoder (see `TextStream`). */
  decodeStream(): TextStream;
}

/** Throws unless every id of the tokenizer is a row of a model with `vocabSize` embeddings. */
export function checkTokenizerFits(tokenizer: Tokenizer, vocabSize: number, source: string): void {
  check(tokenizer.vocabSize <= vocabSize, 'value', () =>
    `${source}: the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabSize is ${vocabSize} (ids ≥ ${vocabSize} would have no embedding)`);
}

/** Throws unless every id is an integer in [0, vocabSize). */
export function checkIds(ids: readonly number[], vocabSize: number, who: string): void {
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
  check(bad < 0, 'value', () => `${who}: id ${ids[bad]} at position ${bad} is not an integer in [0, ${vocabSize})`);
}
