/**
 * Generation: the loop's control flow on scripted logits (stop strings, end of sequence, streaming,
 * vocabulary, context limit), and `generateRef` on reference models against the oracle's greedy
 * decoder and against itself (seeds).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generate, generateRef, type NextLogits } from '../../src/model/generate.js';
import { toRefModel } from '../../src/model/ref-model.js';
import { ByteTokenizer } from '../../src/model/tokenizer/bytes.js';
import { greedyDecode } from '../../src/oracle/greedy.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';
import { randomModel } from './helpers.js';

const bytes = new ByteTokenizer();
const limits = { vocabSize: 256, maxContext: 1000 };

/** Logits that make greedy decoding emit `script` after a prompt of `promptLength` ids. */
function scripted(script: readonly number[], promptLength: number, V = 256): NextLogits {
  return (seq) => {
    const logits = new Float64Array(V);
    logits[script[seq.length - promptLength]] = 10;
    return logits;
  };
}

describe('generate (scripted logits)', () => {
  const text = 'héllo wörld';
  const script = bytes.encode(text);

  it('runs to maxTokens and streams complete characters that add up to the text', () => {
    const deltas: string[] = [];
    const g = generate(scripted(script, 1), bytes, [65], { maxTokens: script.length, onText: (d) => deltas.push(d) }, limits);
    expect(g).toEqual({ promptIds: [65], tokens: script, text, finishReason: 'length' });
    expect(deltas.join('')).toBe(text);
    expect(deltas.some((d) => d.includes('\uFFFD'))).toBe(false);
  });

  it('stops at a stop string, cutting the text before it and never streaming any of it', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: text.length - 1 }), fc.integer({ min: 1, max: 4 }), (at, len) => {
      const stop = text.slice(at, at + len);
      const deltas: string[] = [];
      const g = generate(scripted(script, 1), bytes, [65], { maxTokens: script.length, stop: ['zz', stop], onText: (d) => deltas.push(d) }, limits);
      const cut = text.indexOf(stop);
      expect(g.finishReason).toBe('stop');
      expect(g.text).toBe(text.slice(0, cut));
      expect(deltas.join('')).toBe(g.text);
      // Generation ends with the token that completed the stop string.
      expect(g.tokens).toEqual(script.slice(0, bytes.encode(text.slice(0, cut + stop.length)).length));
    }));
  });

  it('stops at the end-of-sequence id, keeping it in tokens but not in text', () => {
    const g = generate(scripted([104, 105, 10, 106], 1), bytes, [65], { maxTokens: 4, eosId: 10 }, limits);
    expect(g).toMatchObject({ tokens: [104, 105, 10], text: 'hi', finishReason: 'eos' });
    expect(generate(scripted([104, 10, 106], 1), bytes, [65], { maxTokens: 3, eosId: 10, stopAtEos: false }, limits).text).toBe('h\nj');
  });

  it('samples only ids the tokenizer has, even when the model has more', () => {
    const next: NextLogits = () => Float64Array.from({ length: 300 }, (_, v) => (v >= 256 ? 100 : v === 7 ? 1 : 0));
    expect(generate(next, bytes, [1], { maxTokens: 2 }, { vocabSize: 300, maxContext: 10 }).tokens).toEqual([7, 7]);
  });

  it('works without a tokenizer on ids, and refuses text or stop strings then', () => {
    expect(generate(scripted([3, 1], 2, 4), null, [0, 2], { maxTokens: 2 }, { vocabSize: 4, maxContext: 4 }))
      .toEqual({ promptIds: [0, 2], tokens: [3, 1], text: '', finishReason: 'length' });
    expectDiffAttnError(() => generate(scripted([], 1), null, 'hi', { maxTokens: 1 }, limits), 'value', /without a tokenizer the prompt must be ids/);
  });

  it('fails clearly, before any step, when prompt + maxTokens exceed maxContext', () => {
    let calls = 0;
    const next: NextLogits = () => { calls++; return new Float64Array(256); };
    expectDiffAttnError(() => generate(next, bytes, 'hello', { maxTokens: 4 }, { vocabSize: 256, maxContext: 8 }), 'value',
      /the prompt \(5 tokens\) plus maxTokens \(4\) is 9 tokens, more than maxContext 8/);
    expect(calls).toBe(0);
    expect(generate(next, bytes, 'hello', { maxTokens: 3 }, { vocabSize: 256, maxContext: 8 }).tokens).toHaveLength(3);
  });

  it('rejects an empty prompt, prompt ids beyond the model and empty stop strings', () => {
    expectDiffAttnError(() => generate(scripted([], 0), bytes, '', { maxTokens: 1 }, limits), 'value', /the prompt has no tokens/);
    expectDiffAttnError(() => generate(scripted([], 1), bytes, [300], { maxTokens: 1 }, limits), 'value', /prompt: id 300/);
    expectDiffAttnError(() => generate(scripted([], 1), bytes, [1], { maxTokens: 1, stop: [''] }, limits), 'value', /stop strings must not be empty/);
  });
});

describe('generateRef (reference model, full forward per step)', () => {
  const m = randomModel({ attention: 'diff_v1', vocabSize: 256, dModel: 16, numLayers: 2, numHeads: 2, numKvHeads: 1, ffnHidden: 12, maxContext: 24 }, 5);
  const lm = toRefModel(m);

  it('greedy decoding equals the oracle’s greedy decoder', () => {
    const prompt = bytes.encode('Diff');
    const g = generateRef(lm, bytes, 'Diff', { maxTokens: 6 });
    const oracle = greedyDecode(prompt, 6, (seq) => lm.forward(seq, [1, seq.length]).data.subarray((seq.length - 1) * 256));
    expect(g.tokens).toEqual(oracle.tokens);
    expect(g.text).toBe(bytes.decode(g.tokens)); // the stream and its flush decode all the bytes
  });

  it('the same seed gives the same tokens; the model’s maxContext is the limit', () => {
    const opts = { maxTokens: 5, temperature: 1.3, topK: 50, topP: 0.95, repetitionPenalty: 1.2, seed: 42 };
    expect(generateRef(lm, bytes, 'ab', opts).tokens).toEqual(generateRef(lm, bytes, 'ab', opts).tokens);
    expectDiffAttnError(() => generateRef(lm, bytes, 'abcde', { maxTokens: 20 }), 'value', /is 25 tokens, more than maxContext 24/);
    expect(generateRef(lm, bytes, 'abcde', { maxTokens: 20, maxContext: 25 }).tokens).toHaveLength(20);
  });
});
