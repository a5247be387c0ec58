/**
 * Text generation: encode the prompt, then repeatedly ask for the last position's logits, choose a
 * token (sampling.ts), and decode as a stream, until max tokens, end of sequence or a stop string.
 * `generate` takes any logits function, so the engine's KV-cache decoder runs the same loop;
 * `generateRef` plugs in the reference model with a full forward per step (no cache), the oracle
 * that cached generation must reproduce token for token.
 */
import { check } from '../errors.js';
import { DiffTransformerLM } from '../ref/index.js';
import { Rng } from '../ref/random.js';
import { resolveConfig } from './config.js';
import { sampleToken, type SamplingOptions } from './sampling.js';
import { checkIds, checkTokenizerFits, type Tokenizer } from './tokenizer/tokenizer.js';

export interface GenerateOptions extends SamplingOptions {
  /** Number of tokens to generate at most. */
  maxTokens: number;
  /** RNG seed for sampling (default 0); the same seed gives the same tokens. */
  seed?: number;
  /** Stop as soon as the generated text contains one of these; the text ends before it. */
  stop?: readonly string[];
  /** Stop at the end-of-sequence id (default true). */
  stopAtEos?: boolean;
  /** The end-of-sequence id; default the tokenizer's. */
  eosId?: number;
  /** Receives the text as it is generated (never a part of a stop string, never half a character). */
  onText?: (delta: string) => void;
}

export interface Generation {
  promptIds: number[];
  /** The generated ids, including an end-of-sequence id or the ids that completed a stop string. */
  tokens: number[];
  /** The generated text, without the end-of-sequence token and without the stop string. */
  text: string;
  finishReason: 'length' | 'eos' | 'stop';
}

/** The logits [V] of the last position of `ids`. */
export type NextLogits = (ids: readonly number[]) => ArrayLike<number>;

/** What `generate` needs to know about the model. */
export interface ModelLimits {
  /** Rows of the embedding: prompt ids must be below it. */
  vocabSize: number;
  /** Longest sequence: prompt + maxTokens must fit. */
  maxContext: number;
}

/**
 * One generated token and the text it completed: possibly empty (half a character, or text that
 * may yet turn into a stop string). `token` is null for the last piece of text released when the
 * generation ends, which no new token produced.
 */
export interface GenerationStep {
  token: number | null;
  text: string;
}

/**
 * Generates from `prompt` (text, or ids) with `next`. With a tokenizer, only its ids are sampled (a
 * model whose vocabulary is padded beyond it never emits ids it cannot decode); with none
 * (`null`), the prompt must be ids, the text stays empty and `stop` must be empty.
 * Throws a 'value' error, before any step, when prompt + maxTokens exceed `model.maxContext`.
 */
export function generate(next: NextLogits, tokenizer: Tokenizer | null, prompt: string | readonly number[], options: GenerateOptions, model: ModelLimits): Generation {
  const steps = generateSteps(next, tokenizer, prompt, options, model);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (step.value.text) options.onText?.(step.value.text);
  }
}

/**
 * `generate` one token at a time: yields each token with the text it completed and returns the
 * whole generation, so a caller can stream, pause or abort between tokens. `onText` is not called.
 */
export function* generateSteps(next: NextLogits, tokenizer: Tokenizer | null, prompt: string | readonly number[], options: GenerateOptions,
  model: ModelLimits): Generator<GenerationStep, Generation> {
  const { maxTokens, seed = 0, stop = [], stopAtEos = true } = options;
  check(tokenizer !== null || (typeof prompt !== 'string' && stop.length === 0), 'value', () =>
    'generate: without a tokenizer the prompt must be ids and there can be no stop strings');
  const promptIds = typeof prompt === 'string' ? tokenizer!.encode(prompt) : [...prompt];
  const vocab = Math.min(model.vocabSize, tokenizer?.vocabSize ?? Infinity);
  checkIds(promptIds, model.vocabSize, 'generate: prompt');
  check(promptIds.length > 0, 'value', () => 'generate: the prompt has no tokens (a model needs at least one to predict from)');
  check(Number.isInteger(maxTokens) && maxTokens >= 0, 'value', () => `generate: maxTokens must be an integer ≥ 0, got ${maxTokens}`);
  check(stop.every((s) => s.length > 0), 'value', () => 'generate: stop strings must not be empty');
  check(promptIds.length + maxTokens <= model.maxContext, 'value', () =>
    `generate: the prompt (${promptIds.length} tokens) plus maxTokens (${maxTokens}) is ${promptIds.length + maxTokens} tokens, more than maxContext ${model.maxContext}; shorten the prompt or lower maxTokens`);
  const eosId = options.eosId ?? tokenizer?.eosId;

  const rng = new Rng(seed);
  const seq = [...promptIds];
  const tokens: number[] = [];
  const stream = tokenizer?.decodeStream() ?? { push: () => '', flush: () => '' };
  let text = '';
  let emitted = 0;
  let finishReason: Generation['finishReason'] = 'length';
  // The text up to `end` not handed out yet.
  const release = (end: number): string => {
    const delta = end > emitted ? text.slice(emitted, end) : '';
    emitted = Math.max(emitted, end);
    return delta;
  };
  // Appends decoded text; true when a stop string completed (the text is then cut before it).
  const append = (delta: string): boolean => {
    const from = Math.max(0, text.length - Math.max(0, ...stop.map((s) => s.length)) + 1);
    text += delta;
    const hits = stop.map((s) => text.indexOf(s, from)).filter((i) => i >= 0);
    if (hits.length === 0) return false;
    text = text.slice(0, Math.min(...hits));
    return true;
  };

  while (tokens.length < maxTokens) {
    const logits = next(seq);
    const row = Float64Array.from({ length: vocab }, (_, v) => logits[v]);
    const id = sampleToken(row, options, rng, seq);
    tokens.push(id);
    seq.push(id);
    if (stopAtEos && id === eosId) {
      finishReason = 'eos';
      yield { token: id, text: '' };
      break;
    }
    if (append(stream.push(id))) {
      finishReason = 'stop';
      yield { token: id, text: release(text.length) };
      break;
    }
    yield { token: id, text: release(text.length - heldBack(text, stop)) };
  }
  if (finishReason !== 'stop' && append(stream.flush())) finishReason = 'stop';
  const rest = release(text.length);
  if (rest) yield { token: null, text: rest };
  return { promptIds, tokens, text, finishReason };
}

/**
 * `generate` on the reference model: a full forward over the whole sequence at every step.
 * `maxContext` defaults to the model config's (a `ModelConfig`, e.g. from `toRefModel`), else 2048.
 */
export function generateRef(model: DiffTransformerLM, tokenizer: Tokenizer | null, prompt: string | readonly number[], options: GenerateOptions & { maxContext?: number }): Generation {
  const V = model.config.vocabSize;
  if (tokenizer) checkTokenizerFits(tokenizer, V, 'generateRef');
  const next: NextLogits = (ids) => model.forward(ids, [1, ids.length]).data.subarray((ids.length - 1) * V);
  return generate(next, tokenizer, prompt, options, { vocabSize: V, maxContext: options.maxContext ?? resolveConfig(model.config).maxContext });
}

/** Length of the longest suffix of `text` that begins some stop string: it may yet become one. */
function heldBack(text: string, stop: readonly string[]): number {
  let n = 0;
  for (const s of stop) {
    for (let k = Math.min(s.length - 1, text.length); k > n; k--) {
      if (text.endsWith(s.slice(0, k))) {
        n = k;
        break;
      }
    }
  }
  return n;
}
