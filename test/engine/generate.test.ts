/**
 * Generation on the engine (prefill once, then KV-cache decode) against the reference's
 * generation with a full forward per step: the same greedy tokens, the same sampled tokens for a
 * seed; the stream yields the same tokens and stops when its signal aborts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateOnEngine, streamOnEngine } from '../../src/engine/generate.js';
import { EngineModel } from '../../src/engine/model/engine-model.js';
import { loadWasm, type WasmModule } from '../../src/engine/wasm.js';
import { resolveConfig, type ModelConfig } from '../../src/model/config.js';
import { generateRef } from '../../src/model/generate.js';
import { ByteTokenizer } from '../../src/model/tokenizer/bytes.js';
import { DiffTransformerLM, Rng } from '../../src/ref/index.js';
import { expectEngineError } from './errors.js';

let wasm: WasmModule;
beforeAll(async () => {
  wasm = await loadWasm();
});

// A byte-level model with weights large enough that its logits have clear winners.
async function models(attention: ModelConfig['attention'], seed: number): Promise<{ ref: DiffTransformerLM; engine: EngineModel; config: ModelConfig }> {
  const config = resolveConfig({ attention, vocabSize: 256, dModel: 16, numLayers: 2, numHeads: 2, numKvHeads: 1, ffnHidden: 24, maxContext: 40 });
  const ref = new DiffTransformerLM(config, new Rng(seed));
  for (const p of ref.parameters()) p.data.set(p.data.map((v) => Math.fround(3 * v)));
  const engine = await EngineModel.create(config, { batch: 1, maxContext: 40, training: false }, { wasm });
  engine.loadParams(ref.stateDict());
  return { ref, engine, config };
}

describe('generation on the engine', () => {
  it.each(['diff_v1', 'diff_v2', 'baseline'] as const)('%s: greedy KV-cache generation equals the reference’s full-forward generation', async (attention) => {
    const { ref, engine } = await models(attention, 7);
    const tok = new ByteTokenizer();
    const opts = { maxTokens: 24, temperature: 0, stopAtEos: false };
    const expected = generateRef(ref, tok, 'Call me Ishmael.', opts);
    const got = generateOnEngine(engine, tok, 'Call me Ishmael.', opts);
    expect(got.tokens).toEqual(expected.tokens);
    expect(got.text).toBe(expected.text);
    expect(got.timing.promptTokens).toBe(16);
    expect(got.timing.decodeTokens).toBe(23);
  });

  it('the same seed gives the same sampled text; another seed gives another', async () => {
    const { engine } = await models('diff_v1', 3);
    const tok = new ByteTokenizer();
    const run = (seed: number) => generateOnEngine(engine, tok, 'Whale', { maxTokens: 20, temperature: 1, topK: 40, seed, stopAtEos: false }).tokens;
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('streams the same tokens, and an aborted signal ends the stream early', async () => {
    const { engine } = await models('diff_v1', 5);
    const tok = new ByteTokenizer();
    const opts = { maxTokens: 16, temperature: 0, stopAtEos: false };
    const whole = generateOnEngine(engine, tok, 'Queequeg', opts);
    const streamed: number[] = [];
    for await (const step of streamOnEngine(engine, tok, 'Queequeg', opts)) if (step.token !== null) streamed.push(step.token);
    expect(streamed).toEqual(whole.tokens);

    const controller = new AbortController();
    const seen: number[] = [];
    const stream = streamOnEngine(engine, tok, 'Queequeg', { ...opts, signal: controller.signal });
    for (;;) {
      const r = await stream.next();
      if (r.done) {
        expect(r.value.finishReason).toBe('aborted');
        expect(r.value.tokens).toEqual(seen);
        break;
      }
      seen.push(r.value.token!);
      if (seen.length === 3) controller.abort();
    }
    expect(seen).toHaveLength(3);
  });

  it('fails clearly when prompt + maxTokens exceed the context, before running anything', async () => {
    const { engine } = await models('diff_v1', 1);
    expectEngineError(() => generateOnEngine(engine, new ByteTokenizer(), 'x'.repeat(30), { maxTokens: 20 }), 'value', /more than maxContext 40/);
  });
});
