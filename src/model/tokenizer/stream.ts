/**
 * Streaming decode for tokenizers whose tokens are not whole characters (byte-level BPE splits
 * UTF-8 sequences across tokens; SentencePiece decoders drop the leading space of a sequence).
 * The usual remedy (Hugging Face text-generation-inference): decode a small window of ids twice,
 * with and without the newest ones, and emit the difference only when it does not end in U+FFFD,
 * the mark of a character still incomplete. The window starts at the last emitted token, so each
 * new piece is decoded in the context that fixes its spacing.
 */
import type { TextStream } from './tokenizer.js';

/** A `TextStream` over any `decode(ids)`. */
export function incrementalDecoder(decode: (ids: readonly number[]) => string): TextStream {
  const ids: number[] = [];
  let prefixOffset = 0; // start of the context window
  let readOffset = 0; // ids before this are already emitted
  const pending = (): string => {
    const prefix = decode(ids.slice(prefixOffset, readOffset));
    const full = decode(ids.slice(prefixOffset));
    return full.length > prefix.length ? full.slice(prefix.length) : '';
  };
  return {
    push(id) {
      ids.push(id);
      const delta = pending();
      if (delta === '' || delta.endsWith('\uFFFD')) return '';
      prefixOffset = readOffset;
      readOffset = ids.length;
      return delta;
    },
    flush() {
      const delta = pending();
      prefixOffset = readOffset = ids.length;
      return delta;
    },
  };
}
