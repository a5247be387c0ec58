/**
 * The engine's model against the float64 reference on random small models (DIFF V1 with both
 * pairings, DIFF V2, baseline; MHA, GQA, MQA; tied and untied heads): logits, loss and every
 * parameter's gradient; KV-cache decode against the reference's full forward; one AdamW step.
 * Whole-model comparisons use the float32 acceptance of `verify --backend wasm`
 * (|impl − ref| ≤ 1e-6 + 5e-5·max|ref|, the golden README's float32 tolerance), applied per tensor.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineModel } from '../../src/engine/model/engine-model.js';
import { loadWasm, type WasmModule } from '../../src/engine/wasm.js';
import { resolveConfig, type ModelConfig } from '../../src/model/config.js';
import { TOLERANCES, compareTensor } from '../../src/oracle/compare.js';
import { DiffTransformerLM, Rng, Tensor, nextTokenLoss } from '../../src/ref/index.js';
import { expectEngineError } from './errors.js';

let wasm: WasmModule;
beforeAll(async () => {
  wasm = await loadWasm();
});
afterAll(() => undefined);

const configArb = fc.record({
  attention: fc.constantFrom('diff_v1' as const, 'diff_v2' as const, 'baseline' as const),
  numHeads: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }), headDim: fc.constantFrom(2, 4, 6, 8),
  numLayers: fc.integer({ min: 1, max: 2 }), vocabSize: fc.integer({ min: 3, max: 13 }), ffnHidden: fc.integer({ min: 1, max: 9 }),
  dModel: fc.integer({ min: 2, max: 12 }), tieEmbeddings: fc.boolean(), sublnAffine: fc.boolean(),
  pairing: fc.constantFrom('paper' as const, 'naive' as const), ropeStyle: fc.constantFrom('interleaved' as const, 'half' as const),
  partialRotary: fc.boolean(), seed: fc.nat(),
}).filter((c) => c.numHeads % c.groups === 0).map((c) => ({
  seed: c.seed,
  config: resolveConfig({
    ...c, numKvHeads: c.numHeads / c.groups, rotaryDim: c.partialRotary && c.headDim > 2 ? c.headDim - 2 : c.headDim, maxContext: 8,
  }),
}));

/** A reference model with float32-representable weights (so both sides start from the same values). */
function refModel(config: ModelConfig, seed: number): DiffTransformerLM {
  const rng = new Rng(seed);
  const lm = new DiffTransformerLM(config, rng);
  for (const [name, p] of lm.namedParameters()) {
    // Non-trivial norm gains, so a wrong gain pointer cannot pass unnoticed.
    if (name.endsWith('norm.weight') || name.endsWith('subln.weight')) p.data.set(rng.normalArray(p.size, 0.3).map((v) => 1 + v));
    p.data.set(p.data.map(Math.fround));
  }
  return lm;
}

function expectClose(name: string, impl: ArrayLike<number>, ref: { shape: readonly number[]; data: Float64Array }): void {
  const r = compareTensor(name, { shape: [...ref.shape], data: Float64Array.from(impl) }, { shape: [...ref.shape], data: ref.data }, TOLERANCES.float32);
  expect(r.pass, `${name}: max abs err ${r.maxAbsErr}, max rel err ${r.maxRelErr}`).toBe(true);
}

const ids = (rng: Rng, n: number, V: number): number[] => Array.from({ length: n }, () => Math.floor(rng.uniform() * V));

describe('EngineModel against the float64 reference', () => {
  it('logits, loss and every gradient', async () => {
    await fc.assert(fc.asyncProperty(configArb, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 8 }), async ({ config, seed }, B, T) => {
      const lm = refModel(config, seed);
      const m = await EngineModel.create(config, { batch: B, maxContext: T, training: true }, { wasm });
      m.loadParams(lm.stateDict());
      const rng = new Rng(seed + 1);
      const x = ids(rng, B * T, config.vocabSize);
      const targets = x.map((_, p) => (p % T === T - 1 ? -100 : x[p + 1]));

      const logits = lm.forward(x, [B, T]);
      expectClose('logits', m.forward(x, B, T), logits);
      const loss = nextTokenLoss(logits, x);
      expectClose('loss', [m.loss(x, targets, B, T)], loss);
      loss.backward();
      m.backward();
      const grads = m.exportGrads();
      for (const [name, p] of lm.namedParameters()) expectClose(`grad ${name}`, grads.get(name)!, { shape: p.shape, data: p.grad! });
    }), { numRuns: 30 });
  });

  it('prefill then decode, token by token, equals the full forward at every position', async () => {
    await fc.assert(fc.asyncProperty(configArb, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), async ({ config, seed }, B, prompt) => {
      const lm = refModel(config, seed);
      const T = config.maxContext;
      const m = await EngineModel.create(config, { batch: B, maxContext: T, training: false }, { wasm });
      m.loadParams(lm.stateDict());
      const x = ids(new Rng(seed + 2), B * T, config.vocabSize);
      const full = lm.forward(x, [B, T]).data;
      const V = config.vocabSize;
      const at = (b: number, t: number): Float64Array => full.subarray((b * T + t) * V, (b * T + t + 1) * V);
      const rows = (t: number): { shape: number[]; data: Float64Array } => ({ shape: [B, V], data: Float64Array.from({ length: B * V }, (_, i) => at(Math.floor(i / V), t)[i % V]) });
      const promptIds = Array.from({ length: B * prompt }, (_, i) => x[Math.floor(i / prompt) * T + (i % prompt)]);
      expectClose(`prefill(${prompt})`, m.prefill(promptIds, B, prompt), rows(prompt - 1));
      for (let t = prompt; t < T; t++) {
        expectClose(`decode at ${t}`, m.decode(Array.from({ length: B }, (_, b) => x[b * T + t])), rows(t));
      }
      expectEngineError(() => m.decode(new Array(B).fill(0)), 'value', /context is full/);
    }), { numRuns: 30 });
  });

  it('one AdamW step equals PyTorch’s AdamW applied to the reference’s gradients', async () => {
    await fc.assert(fc.asyncProperty(configArb, fc.boolean(), async ({ config, seed }, clip) => {
      const lm = refModel(config, seed);
      const [B, T] = [2, 6];
      const m = await EngineModel.create(config, { batch: B, maxContext: T, training: true }, { wasm });
      m.loadParams(lm.stateDict());
      const x = ids(new Rng(seed + 5), B * T, config.vocabSize);
      const targets = x.map((_, p) => (p % T === T - 1 ? -100 : x[p + 1]));
      m.loss(x, targets, B, T);
      m.backward();
      const loss = nextTokenLoss(lm.forward(x, [B, T]), x);
      loss.backward();
      const params = lm.namedParameters();
      const norm = Math.sqrt(params.reduce((s, [, p]) => s + p.grad!.reduce((t, g) => t + g * g, 0), 0));
      const maxGradNorm = clip ? norm / 2 : undefined;
      const { gradNorm } = m.step({ lr: 1e-2, weightDecay: 0.1, maxGradNorm });
      expectClose('grad norm', [gradNorm], { shape: [1], data: Float64Array.of(norm) });
      // torch.optim.AdamW, step 1 (m = v = 0 before): p ← p·(1 − lr·λ); m = (1 − β1)·g; v = (1 − β2)·g²;
      // p ← p − lr·(m / (1 − β1)) / (√(v / (1 − β2)) + ε), with g scaled by clip_grad_norm_'s
      // min(1, max/(‖g‖ + 1e-6)).
      const scale = clip ? Math.min(1, maxGradNorm! / (norm + 1e-6)) : 1;
      const after = m.exportParams();
      for (const [name, p] of params) {
        const expected = p.data.map((v, i) => {
          const g = scale * p.grad![i];
          const mHat = ((1 - 0.9) * g) / (1 - 0.9), vHat = ((1 - 0.999) * g * g) / (1 - 0.999);
          return v * (1 - 1e-2 * 0.1) - (1e-2 * mHat) / (Math.sqrt(vHat) + 1e-8);
        });
        expectClose(`param ${name}`, after.get(name)!, { shape: p.shape, data: expected });
      }
    }), { numRuns: 15 });
  });

  it('captures attention maps and hidden states on request, equal to the reference’s', async () => {
    await fc.assert(fc.asyncProperty(configArb, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 6 }), async ({ config, seed }, B, T) => {
      const lm = refModel(config, seed);
      const m = await EngineModel.create(config, { batch: B, maxContext: T, training: false, keepActivations: true }, { wasm });
      m.loadParams(lm.stateDict());
      const x = ids(new Rng(seed + 3), B * T, config.vocabSize);
      const trace = new Map<string, Tensor>();
      lm.forward(x, [B, T], trace);
      m.prefill(x, B, T);
      m.hiddenStates(B, T).forEach((h, l) => expectClose(`hidden_states.${l}`, h, trace.get(`hidden_states.${l}`)!));
      for (let l = 0; l < config.numLayers; l++) {
        const maps = m.attentionMaps(l, B, T);
        const Hq = maps.length / (B * T * T);
        if (config.attention === 'baseline') {
          expectClose(`layer ${l} attn_probs`, maps, trace.get(`layers.${l}.attn.attn_probs`)!);
        } else {
          // Query heads 2i and 2i+1 hold maps 1 and 2 of head i.
          const slab = T * T;
          const pick = (m0: number): Float64Array => Float64Array.from({ length: maps.length / 2 }, (_, i) => {
            const [b, h, r] = [Math.floor(i / ((Hq / 2) * slab)), Math.floor(i / slab) % (Hq / 2), i % slab];
            return maps[(b * Hq + 2 * h + m0) * slab + r];
          });
          expectClose(`layer ${l} attn1`, pick(0), trace.get(`layers.${l}.attn.attn1`)!);
          expectClose(`layer ${l} attn2`, pick(1), trace.get(`layers.${l}.attn.attn2`)!);
        }
      }
    }), { numRuns: 20 });
  });

  it('trains with more token rows than any weight dimension', async () => {
    // Backward's weight gradients reduce over K = B·T rows; here B·T = 128 exceeds every other size,
    // the regime where the GEMMs split K into several blocks.
    const config = resolveConfig({ attention: 'diff_v1', vocabSize: 5, dModel: 8, numLayers: 1, numHeads: 1, ffnHidden: 4, maxContext: 64 });
    const lm = refModel(config, 3);
    const m = await EngineModel.create(config, { batch: 2, maxContext: 64, training: true }, { wasm });
    m.loadParams(lm.stateDict());
    const x = ids(new Rng(4), 128, 5);
    const targets = x.map((_, p) => (p % 64 === 63 ? -100 : x[p + 1]));
    const loss = nextTokenLoss(lm.forward(x, [2, 64]), x);
    expectClose('loss', [m.loss(x, targets, 2, 64)], loss);
    loss.backward();
    m.backward();
    const grads = m.exportGrads();
    for (const [name, p] of lm.namedParameters()) expectClose(`grad ${name}`, grads.get(name)!, { shape: p.shape, data: p.grad! });
  });

  it('rejects bad ids, shapes and missing parameters with the argument named', async () => {
    const config = resolveConfig({ attention: 'diff_v1', vocabSize: 5, dModel: 8, numLayers: 1, numHeads: 1, ffnHidden: 4, maxContext: 4 });
    const m = await EngineModel.create(config, { batch: 1, maxContext: 4, training: true }, { wasm });
    const lm = refModel(config, 1);
    const dict = new Map(lm.stateDict());
    dict.delete('layers.0.attn.lambda_q1');
    expectEngineError(() => m.loadParams(dict), 'missing', /missing parameter 'layers\.0\.attn\.lambda_q1'/);
    const poisoned = new Map([...lm.stateDict()].map(([n, p]) => [n, { shape: p.shape, data: p.data.slice() }]));
    poisoned.get('layers.0.ffn.w_1.weight')!.data[5] = NaN;
    expectEngineError(() => m.loadParams(poisoned), 'value', /parameter 'layers\.0\.ffn\.w_1\.weight' holds NaN or Inf/);
    m.loadParams(lm.stateDict());
    expectEngineError(() => m.forward([0, 1, 9, 2], 1, 4), 'value', /token id 9 at position 2 is outside the vocabulary \[0, 5\)/);
    expectEngineError(() => m.forward([0, 1], 1, 4), 'shape', /expected B·T = 4 token ids, got 2/);
    expectEngineError(() => m.forward([0, 1, 2, 3, 4], 1, 5), 'value', /T must be in \[1, 4\]/);
    expectEngineError(() => m.backward(), 'value', /call loss\(\) first/);
    expectEngineError(() => m.prefill([0], 1, 1), 'unsupported', /created for training/);
    const infer = await EngineModel.create(config, { batch: 1, maxContext: 4, training: false }, { wasm });
    expectEngineError(() => infer.attentionMaps(0, 1, 4), 'unsupported', /keepActivations/);
  });
});
