/**
 * Text generation on the engine: the prompt is prefilled once, then each token costs one KV-cache
 * decode step. The sampling loop is the model layer's (`generateSteps`), the same one the
 * reference's full-forward generation runs, so the two agree token for token under greedy decoding.
 *
 *   const g = generateOnEngine(model, tokenizer, 'Call me Ishmael.', { maxTokens: 64, temperature: 0.8, seed: 1 });
 *   for await (const step of streamOnEngine(model, tokenizer, prompt, { maxTokens: 64, signal })) process.stdout.write(step.text);
 */
import { check } from '../errors.js';
import { generateSteps, type GenerateOptions, type Generation, type GenerationStep, type NextLogits } from '../model/generate.js';
import { checkTokenizerFits, type Tokenizer } from '../model/tokenizer/tokenizer.js';
import type { EngineModel } from './model/engine-model.js';

export interface GenerationTiming {
  promptTokens: number;
  prefillMs: number;
  /** Tokens decoded after the first one (the first comes from the prefill's logits). */
  decodeTokens: number;
  decodeMs: number;
  prefillTokensPerSec: number;
  decodeTokensPerSec: number;
}

export interface EngineGeneration extends Omit<Generation, 'finishReason'> {
  /** As `Generation`'s, or 'aborted' when a stream's signal stopped it. */
  finishReason: Generation['finishReason'] | 'aborted';
  timing: GenerationTiming;
}

/** Generates to completion; returns the text, the tokens and the prefill and decode speeds. */
export function generateOnEngine(model: EngineModel, tokenizer: Tokenizer | null, prompt: string | readonly number[],
  options: GenerateOptions): EngineGeneration {
  const run = start(model, tokenizer, prompt, options);
  for (;;) {
    const step = run.steps.next();
    if (step.done) return { ...step.value, timing: run.timing() };
    if (step.value.text) options.onText?.(step.value.text);
  }
}

/**
 * Generates as an async iterator of steps (a token and the text it completed). Between tokens it
 * yields to the event loop, so `signal` can stop it; an aborted signal ends the iteration early
 * with the tokens and text so far and finish reason 'aborted' (no error), as a client closing a
 * stream expects.
 */
export async function* streamOnEngine(model: EngineModel, tokenizer: Tokenizer | null, prompt: string | readonly number[],
  options: GenerateOptions & { signal?: AbortSignal }): AsyncGenerator<GenerationStep, EngineGeneration> {
  const run = start(model, tokenizer, prompt, options);
  const tokens: number[] = [];
  let text = '';
  for (;;) {
    if (options.signal?.aborted) return { promptIds: run.promptIds(), tokens, text, finishReason: 'aborted', timing: run.timing() };
    const step = run.steps.next();
    if (step.done) return { ...step.value, timing: run.timing() };
    if (step.value.token !== null) tokens.push(step.value.token);
    text += step.value.text;
    yield step.value;
    await nextTask();
  }
}

// Lets timers, I/O and an abort run between tokens. Not setTimeout(0): browsers clamp nested
// timeouts to ≥ 4 ms, which capped a page's stream near 150 tokens/s (examples/browser/measure.js).
function nextTask(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

// The step generator over a logits function that prefills on the first call (the prompt) and
// decodes one position on every later one (the sequence grown by one token), timing both.
function start(model: EngineModel, tokenizer: Tokenizer | null, prompt: string | readonly number[], options: GenerateOptions) {
  check(model.limits.batch >= 1 && !model.limits.training, 'unsupported', () =>
    'generate: the engine model must be an inference model (limits.training = false)');
  const { vocabSize } = model.config;
  if (tokenizer) checkTokenizerFits(tokenizer, vocabSize, 'generate');
  let promptIds: number[] = [];
  let prefillMs = 0, decodeMs = 0, decodeTokens = 0;
  const next: NextLogits = (seq) => {
    const t0 = performance.now();
    if (promptIds.length === 0) {
      promptIds = [...seq];
      const logits = model.prefill(seq, 1, seq.length);
      prefillMs = performance.now() - t0;
      return logits;
    }
    const logits = model.decode([seq[seq.length - 1]]);
    decodeMs += performance.now() - t0;
    decodeTokens++;
    return logits;
  };
  const steps = generateSteps(next, tokenizer, prompt, options, { vocabSize, maxContext: model.limits.maxContext });
  const rate = (n: number, ms: number): number => (ms > 0 ? (1000 * n) / ms : 0);
  return {
    steps,
    promptIds: () => promptIds,
    timing: (): GenerationTiming => ({
      promptTokens: promptIds.length, prefillMs, decodeTokens, decodeMs,
      prefillTokensPerSec: rate(promptIds.length, prefillMs), decodeTokensPerSec: rate(decodeTokens, decodeMs),
    }),
  };
}
