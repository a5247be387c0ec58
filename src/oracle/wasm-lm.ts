/**
 * A model-folder case on the engine: `EngineModel`s built from the case's LM config, in float32.
 *
 * - logits: a training model's forward over the whole [B, T] batch;
 * - loss: that model's `loss`, i.e. the engine's float32 cross-entropy kernel per row (next-token
 *   targets, the last position of each row ignored) with the mean over rows taken in float64;
 * - hidden_states.l: the model's own activation buffers after that forward: the input of layer l
 *   (l < L) and the final norm's output (l = L);
 * - greedy tokens, step logits and margins: an inference model, the prompt (row 0) prefilled once,
 *   then one KV-cache decode step per generated token (not a full forward per step, as the golden
 *   generator did), argmax and margins as `greedyDecode` defines them.
 */
import { EngineModel } from '../engine/model/engine-model.js';
import { IGNORE_INDEX } from '../engine/kernels/index.js';
import type { WasmModule } from '../engine/wasm.js';
import { resolveConfig } from '../model/config.js';
import type { GoldenCase, Results } from './golden-case.js';
import { greedyDecode } from './greedy.js';
import { f64Tensor } from './wasm-intermediates.js';

/**
 * Runs an `lm` case; `freshWasm` gives a module of its own to each model (a model takes over its
 * module's linear memory).
 */
export async function runLmCase(c: GoldenCase, freshWasm: () => Promise<WasmModule>): Promise<Results> {
  if (c.module.type !== 'lm' || c.task.type !== 'lm') throw new TypeError('runLmCase: not a language-model case');
  const { ids, shape: [B, T], greedySteps } = c.task;
  const config = resolveConfig({ ...c.module.config, maxContext: T + greedySteps });
  const { vocabSize: V, dModel: C } = config;
  const out: Results = new Map();

  const train = await EngineModel.create(config, { batch: B, maxContext: T, training: true }, { wasm: await freshWasm() });
  train.loadParams(c.params);
  out.set('logits', f64Tensor([B, T, V], train.forward(ids, B, T)));
  train.hiddenStates(B, T).forEach((h, l) => out.set(`hidden_states.${l}`, f64Tensor([B, T, C], h)));
  const targets = ids.map((_, p) => (p % T === T - 1 ? IGNORE_INDEX : ids[p + 1]));
  out.set('loss', f64Tensor([1], [train.loss(ids, targets, B, T)]));

  const infer = await EngineModel.create(config, { batch: 1, maxContext: T + greedySteps, training: false }, { wasm: await freshWasm() });
  infer.loadParams(c.params);
  const prompt = ids.slice(0, T);
  // Called with the prompt first, then with one more token each step: prefill once, then decode.
  const greedy = greedyDecode(prompt, greedySteps, (seq) => (seq.length === T ? infer.prefill(seq, 1, T) : infer.decode([seq[seq.length - 1]])));
  return out
    .set('greedy_tokens', f64Tensor([greedySteps], greedy.tokens))
    .set('greedy_sequence', f64Tensor([T + greedySteps], [...prompt, ...greedy.tokens]))
    .set('greedy_step_logits', f64Tensor([greedySteps, V], greedy.stepLogits))
    .set('greedy_margins', f64Tensor([greedySteps], greedy.margins));
}
