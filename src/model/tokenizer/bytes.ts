/**
 * The byte-level tokenizer: id = one UTF-8 byte, 256 ids, no files. Decoding a prefix of a
 * generation can cut a multi-byte character in two, so the stream decoder holds incomplete
 * sequences back until their last byte arrives (`TextDecoder` in streaming mode does exactly that).
 */
import { checkIds, type TextStream, type Tokenizer } from './tokenizer.js';

export class ByteTokenizer implements Tokenizer {
  readonly vocabSize = 256;

  /** UTF-8 bytes of `text` (lone surrogates become U+FFFD's bytes, as `TextEncoder` does). */
  encode(text: string): number[] {
    return Array.from(new TextEncoder().encode(text));
  }

  /** Malformed or truncated sequences decode as U+FFFD (the WHATWG decoder's replacement). */
  decode(ids: readonly number[]): string {
    checkIds(ids, 256, 'ByteTokenizer.decode');
    return new TextDecoder().decode(Uint8Array.from(ids));
  }

  decodeStream(): TextStream {
    const decoder = new TextDecoder();
    return {
      push: (id) => {
        checkIds([id], 256, 'ByteTokenizer stream');
        return decoder.decode(Uint8Array.of(id), { stream: true });
      },
      flush: () => decoder.decode(),
    };
  }
}
