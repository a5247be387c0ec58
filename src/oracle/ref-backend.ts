/**
 * Runs a golden case on the float64 reference: build the module, load the case's canonical
 * parameters, run the task (forward with a trace and backward with `grad_y`, or a language model's
 * logits, loss and greedy continuation), and return every tensor under canonical names.
 */
import type { F64Tensor } from '../io/golden.js';
import {
  DecoderLayer, DiffAttnV2, DiffTransformerLM, MultiheadAttention, MultiheadDiffAttn, Tensor, nextTokenLoss,
  type Module, type RopeTables, type Trace,
} from '../ref/index.js';
import type { GoldenCase, ModuleSpec, Results } from './golden-case.js';
import { greedyDecode } from './greedy.js';

type AttentionLike = Module & { forward(x: Tensor, rope: RopeTables, trace?: Trace): Tensor };

/** Builds the reference module for a spec (parameters still at their initial values). */
export function buildRefModule(spec: ModuleSpec): AttentionLike | DiffTransformerLM {
  switch (spec.type) {
    case 'diff_v1': return new MultiheadDiffAttn(spec.config);
    case 'diff_v2': return new DiffAttnV2(spec.config);
    case 'baseline': return new MultiheadAttention(spec.config);
    case 'decoder': return new DecoderLayer(spec.config);
    case 'lm': return new DiffTransformerLM(spec.config);
  }
}

const f64 = (t: { shape: readonly number[]; data: Float64Array }): F64Tensor => ({ shape: [...t.shape], data: t.data });
const leaf = (t: F64Tensor, grad = false): Tensor => new Tensor(t.data.slice(), t.shape, grad);

export function runRef(c: GoldenCase): Results {
  const module = buildRefModule(c.module);
  module.loadStateDict(c.params);
  const out: Results = new Map();
  const trace = new Map<string, Tensor>();
  if (c.task.type === 'module') {
    const x = leaf(c.task.x, true);
    const y = (module as AttentionLike).forward(x, { cos: leaf(c.task.rope.cos), sin: leaf(c.task.rope.sin) }, trace);
    y.backward(c.task.gradY.data);
    out.set('y', f64(y)).set('grad.x', { shape: [...x.shape], data: x.grad ?? new Float64Array(x.size) });
    for (const [name, p] of module.namedParameters()) out.set(`grad.${name}`, { shape: [...p.shape], data: p.grad ?? new Float64Array(p.size) });
  } else {
    const lm = module as DiffTransformerLM;
    const { ids, shape: [B, T], greedySteps } = c.task;
    const logits = lm.forward(ids, [B, T], trace);
    const V = logits.shape[2];
    out.set('logits', f64(logits)).set('loss', f64(nextTokenLoss(logits, ids)));
    const greedy = greedyDecode(ids.slice(0, T), greedySteps, (seq) => lm.forward(seq, [1, seq.length]).data.subarray((seq.length - 1) * V));
    out.set('greedy_tokens', { shape: [greedySteps], data: Float64Array.from(greedy.tokens) })
      .set('greedy_sequence', { shape: [T + greedySteps], data: Float64Array.from([...ids.slice(0, T), ...greedy.tokens]) })
      .set('greedy_step_logits', { shape: [greedySteps, V], data: greedy.stepLogits })
      .set('greedy_margins', { shape: [greedySteps], data: Float64Array.from(greedy.margins) });
  }
  for (const [name, t] of trace) out.set(name, f64(t));
  return out;
}
