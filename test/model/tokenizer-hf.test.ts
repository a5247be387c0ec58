/**
 * tokenizer.json tokenizers through @huggingface/tokenizers, on tokenizers written here: a GPT-2
 * style byte-level BPE (ids of single bytes = the byte values, by construction, so expected ids
 * follow from UTF-8) and a WordLevel model. No downloads.
 */
import fc from 'fast-check';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFolder } from '../../src/model/folder-read.js';
import { saveModelFolder } from '../../src/model/folder-write.js';
import { HfTokenizer } from '../../src/model/tokenizer/hf.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';
import { randomModel, subdir, tempDir } from './helpers.js';

/** GPT-2's byte → printable character map (`bytes_to_unicode`): printable Latin-1 bytes map to themselves, the rest to U+0100…. */
function bytesToUnicode(): string[] {
  const printable = (b: number): boolean => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : next++));
}

/** Byte-level BPE: id b for byte b, 256 for the merge "hi", 257 for the special "<eos>". */
function byteLevelBpe(): Record<string, unknown> {
  const vocab: Record<string, number> = Object.fromEntries(bytesToUnicode().map((c, b) => [c, b]));
  vocab.hi = 256;
  return {
    version: '1.0', truncation: null, padding: null, normalizer: null, post_processor: null,
    added_tokens: [{ id: 257, content: '<eos>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [['h', 'i']] },
  };
}
// clean_up_tokenization_spaces would turn " ." into ".", so lossless round trips turn it off.
const bpeConfig = { eos_token: '<eos>', clean_up_tokenization_spaces: false };

function wordLevel(unk: boolean): Record<string, unknown> {
  const vocab = { '[UNK]': 0, the: 1, cat: 2, sat: 3 };
  return { added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab, unk_token: unk ? '[UNK]' : null } };
}

describe('HfTokenizer', () => {
  const bpe = new HfTokenizer(byteLevelBpe(), bpeConfig);

  it('knows its size and special ids', () => {
    expect(bpe.vocabSize).toBe(258);
    expect(bpe.eosId).toBe(257);
    expect(bpe.bosId).toBeUndefined();
  });

  it('encodes with merges, bytes and added tokens', () => {
    // "hi" merges; " é" is one pre-token whose bytes 0x20 0xC3 0xA9 have no merge; "<eos>" is an added token.
    expect(bpe.encode('hi é<eos>')).toEqual([256, 0x20, 0xc3, 0xa9, 257]);
    expect(bpe.decode([256, 0x20, 0xc3, 0xa9, 257])).toBe('hi é<eos>');
    expect(bpe.decode([])).toBe('');
  });

  it('round-trips any text (byte-level BPE is lossless)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
      expect(bpe.decode(bpe.encode(text))).toBe(text);
    }));
  });

  it('streams only complete characters, and the pieces add up to the whole', () => {
    const stream = bpe.decodeStream();
    expect([0x20, 0xc3].map((id) => stream.push(id))).toEqual([' ', '']); // é's first byte alone is held back
    expect(stream.push(0xa9)).toBe('é');
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
      const s = bpe.decodeStream();
      const pieces = bpe.encode(text).map((id) => s.push(id));
      expect(pieces.every((p) => !p.includes('\uFFFD'))).toBe(true);
      expect(pieces.join('') + s.flush()).toBe(text);
    }));
  });

  it('WordLevel: unknown words map to the unk token, or fail clearly when there is none', () => {
    expect(new HfTokenizer(wordLevel(true)).encode('the cat sat on')).toEqual([1, 2, 3, 0]);
    expectDiffAttnError(() => new HfTokenizer(wordLevel(false)).encode('the dog'), 'value', /the piece "dog" has no id and the tokenizer defines no unk_token/);
  });

  it('rejects malformed files and out-of-range ids', () => {
    expectDiffAttnError(() => HfTokenizer.fromText('{"model": '), 'format', /tokenizer\.json: not valid JSON/);
    expectDiffAttnError(() => new HfTokenizer({ added_tokens: [], model: { type: 'Nope' } }), 'format', /tokenizer\.json: not a tokenizer this library can load/);
    expectDiffAttnError(() => new HfTokenizer(byteLevelBpe(), { eos_token: '</s>' }), 'value', /special token "<\/s>" is not in the vocabulary/);
    expectDiffAttnError(() => bpe.decode([258]), 'value', /id 258 at position 0 is not an integer in \[0, 258\)/);
  });
});

describe('tokenizer.json in model folders', () => {
  const root = tempDir();
  const model = (vocabSize: number) => randomModel({ attention: 'diff_v1', vocabSize, dModel: 8, numLayers: 1, numHeads: 2, ffnHidden: 4 }, 3);

  it('is saved with its config and loads back the same', () => {
    const dir = subdir(root);
    saveModelFolder(dir, model(260), { tokenizer: new HfTokenizer(byteLevelBpe(), bpeConfig) });
    expect(existsSync(join(dir, 'tokenizer_config.json'))).toBe(true);
    const tok = loadModelFolder(dir).tokenizer!;
    expect(tok).toBeInstanceOf(HfTokenizer);
    expect(tok.eosId).toBe(257);
    expect(tok.encode('hi é<eos>')).toEqual([256, 0x20, 0xc3, 0xa9, 257]);
  });

  it('must fit the model’s vocabulary', () => {
    const dir = subdir(root);
    saveModelFolder(dir, model(200));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(byteLevelBpe()));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ format: 'diffattn/1', ...model(200).config, tokenizer: 'tokenizer.json' }));
    expectDiffAttnError(() => loadModelFolder(dir), 'value', /the tokenizer has 258 ids but the model's vocabSize is 200/);
  });

  it('is removed when the folder is saved again without it (a DiffLlama folder would pick up a stale one)', () => {
    const dir = subdir(root);
    saveModelFolder(dir, model(260), { to: 'diffllama', tokenizer: new HfTokenizer(byteLevelBpe(), bpeConfig) });
    expect(loadModelFolder(dir).tokenizer).toBeInstanceOf(HfTokenizer);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ bos_token_id: null, eos_token_id: 257 });
    saveModelFolder(dir, model(260), { to: 'diffllama' });
    expect(existsSync(join(dir, 'tokenizer.json'))).toBe(false);
    expect(loadModelFolder(dir).tokenizer).toBeNull();
  });
});
