/**
 * The byte tokenizer: ids are UTF-8 bytes (checked against the encoding rule written out here),
 * and the stream decoder emits exactly the complete characters, however the bytes are split.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../src/model/tokenizer/bytes.js';
import type { Tokenizer } from '../../src/model/tokenizer/tokenizer.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';

/** UTF-8 by its definition (RFC 3629): 1–4 bytes, leading byte 0xxxxxxx / 110xxxxx / 1110xxxx / 11110xxx. */
function utf8(text: string): number[] {
  return [...text].flatMap((ch) => {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) return [c];
    if (c < 0x800) return [0xc0 | (c >> 6), 0x80 | (c & 63)];
    if (c < 0x10000) return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)];
    return [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)];
  });
}

describe('ByteTokenizer', () => {
  const tok = new ByteTokenizer();

  it('has 256 ids and no special tokens', () => {
    expect(tok.vocabSize).toBe(256);
    const asInterface: Tokenizer = tok;
    expect(asInterface.bosId).toBeUndefined();
    expect(asInterface.eosId).toBeUndefined();
  });

  it('encodes to the UTF-8 bytes and decodes back, for any Unicode text', () => {
    expect(tok.encode('aé€😀')).toEqual([0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      expect(tok.encode(text)).toEqual(utf8(text));
      expect(tok.decode(tok.encode(text))).toBe(text);
    }));
  });

  it('streams each character exactly when its last byte arrives', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
      const bytes = utf8(text);
      const stream = tok.decodeStream();
      let out = '';
      bytes.forEach((b, i) => {
        const piece = stream.push(b);
        expect(piece).not.toContain('\uFFFD');
        out += piece;
        // The complete characters among the first i + 1 bytes (a one-shot decode marks the incomplete tail U+FFFD).
        const complete = [...new TextDecoder().decode(Uint8Array.from(bytes.slice(0, i + 1)))].filter((c) => c !== '\uFFFD').join('');
        expect(out).toBe(complete);
      });
      expect(out + stream.flush()).toBe(text);
    }));
  });

  it('decodes a sequence cut short as U+FFFD, and the stream flushes it as such', () => {
    expect(tok.decode([0x61, 0xe2, 0x82])).toBe('a\uFFFD');
    const stream = tok.decodeStream();
    expect([0x61, 0xe2, 0x82].map((b) => stream.push(b)).join('')).toBe('a');
    expect(stream.flush()).toBe('\uFFFD');
  });

  it('rejects ids outside 0…255', () => {
    for (const bad of [256, -1, 1.5]) expectDiffAttnError(() => tok.decode([65, bad]), 'value', new RegExp(`id ${bad} at position 1 is not an integer in \\[0, 256\\)`));
    expectDiffAttnError(() => tok.decodeStream().push(300), 'value', /id 300/);
  });
});
