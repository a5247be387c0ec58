/**
 * EngineModel.attentionLogits against the float64 reference: on random small models (the three
 * attention kinds, MHA/GQA, both V1 pairings, both rotary styles) the causal logits equal
 * q_rot·k_rot/√d from the reference's own traced q and k (with the key head each query head reads,
 * derived here from the table in src/engine/attention-desc.ts), every masked entry is −∞, and a
 * row's softmax is the engine's attention map. Float32 acceptance as in model.test.ts.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineModel } from '../../src/engine/model/engine-model.js';
import { loadWasm, type WasmModule } from '../../src/engine/wasm.js';
import { resolveConfig, type ModelConfig } from '../../src/model/config.js';
import { TOLERANCES, compareTensor } from '../../src/oracle/compare.js';
import { DiffTransformerLM, Rng, type Tensor } from '../../src/ref/index.js';
import { expectEngineError } from './errors.js';

let wasm: WasmModule;
beforeAll(async () => {
  wasm = await loadWasm();
});

const configArb = fc.record({
  attention: fc.constantFrom('diff_v1' as const, 'diff_v2' as const, 'baseline' as const),
  numHeads: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }), headDim: fc.constantFrom(2, 4, 6),
  numLayers: fc.integer({ min: 1, max: 2 }), pairing: fc.constantFrom('paper' as const, 'naive' as const),
  ropeStyle: fc.constantFrom('interleaved' as const, 'half' as const), seed: fc.nat(),
}).filter((c) => c.numHeads % c.groups === 0).map((c) => ({
  seed: c.seed,
  config: resolveConfig({ ...c, numKvHeads: c.numHeads / c.groups, vocabSize: 11, dModel: 8, ffnHidden: 5, maxContext: 8 }),
}));

// κ(h), the key head of query head h (the table of attention-desc.ts, written out again here).
function keyHead(c: ModelConfig, h: number): number {
  const { numHeads: H, numKvHeads: Hkv } = c;
  if (c.attention === 'baseline') return Math.floor(h / (H / Hkv));
  if (c.attention === 'diff_v2') return Math.floor(h / ((2 * H) / Hkv));
  const nRep = H / Hkv;
  return c.pairing === 'naive' ? Math.floor(h / nRep) : 2 * Math.floor(Math.floor(h / 2) / nRep) + (h % 2);
}

function expectClose(name: string, impl: number[], ref: number[]): void {
  const r = compareTensor(name, { shape: [impl.length], data: Float64Array.from(impl) }, { shape: [ref.length], data: Float64Array.from(ref) }, TOLERANCES.float32);
  expect(r.pass, `${name}: max abs err ${r.maxAbsErr}, max rel err ${r.maxRelErr}`).toBe(true);
}

describe('EngineModel.attentionLogits', () => {
  it('equals q·k/√d of the reference, −∞ where masked, and its softmax is attentionMaps', async () => {
    await fc.assert(fc.asyncProperty(configArb, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 6 }), async ({ config, seed }, B, T) => {
      const rng = new Rng(seed);
      const lm = new DiffTransformerLM(config, rng);
      for (const [, p] of lm.namedParameters()) p.data.set(p.data.map(Math.fround));
      const m = await EngineModel.create(config, { batch: B, maxContext: T, training: false, keepActivations: true }, { wasm });
      m.loadParams(lm.stateDict());
      const x = Array.from({ length: B * T }, () => Math.floor(rng.uniform() * config.vocabSize));
      const trace = new Map<string, Tensor>();
      lm.forward(x, [B, T], trace);
      m.forward(x, B, T);
      for (let l = 0; l < config.numLayers; l++) {
        const logits = m.attentionLogits(l, B, T);
        const maps = m.attentionMaps(l, B, T);
        const q = trace.get(`layers.${l}.attn.q_rot`)!, k = trace.get(`layers.${l}.attn.k_rot`)!; // [B, T, Hq|Hk, d]
        const [, , Hq, d] = q.shape;
        const Hk = k.shape[2];
        expect(logits.length).toBe(B * Hq * T * T);
        const causal: number[] = [], expected: number[] = [], softmax: number[] = [], map: number[] = [];
        for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) for (let t = 0; t < T; t++) {
          const row = ((b * Hq + h) * T + t) * T;
          for (let u = t + 1; u < T; u++) expect(logits[row + u]).toBe(-Infinity);
          const r = Array.from(logits.subarray(row, row + t + 1));
          for (let u = 0; u <= t; u++) {
            let dot = 0;
            for (let c = 0; c < d; c++) dot += q.data[((b * T + t) * Hq + h) * d + c] * k.data[((b * T + u) * Hk + keyHead(config, h)) * d + c];
            expected.push(dot / Math.sqrt(d));
          }
          causal.push(...r);
          const top = Math.max(...r);
          const z = r.reduce((s, v) => s + Math.exp(v - top), 0);
          softmax.push(...r.map((v) => Math.exp(v - top) / z));
          map.push(...maps.subarray(row, row + t + 1));
        }
        expectClose(`layer ${l} logits vs reference`, causal, expected);
        expectClose(`layer ${l} softmax(logits) vs attentionMaps`, softmax, map);
      }
    }), { numRuns: 15 });
  });

  it('checks the layer and the activations as attentionMaps does', async () => {
    const config = resolveConfig({ attention: 'diff_v1', vocabSize: 5, dModel: 8, numLayers: 2, numHeads: 1, ffnHidden: 4, maxContext: 4 });
    const kept = await EngineModel.create(config, { batch: 1, maxContext: 4, training: false, keepActivations: true }, { wasm });
    expectEngineError(() => kept.attentionLogits(2, 1, 4), 'value', /attentionLogits: layer must be in \[0, 2\), got 2/);
    expectEngineError(() => kept.attentionLogits(0, 1, 5), 'value', /attentionLogits: B and T must be those of the last forward/);
    const shared = await EngineModel.create(config, { batch: 1, maxContext: 4, training: false }, { wasm });
    expectEngineError(() => shared.attentionLogits(0, 1, 4), 'unsupported', /attentionLogits: .*keepActivations/);
  });
});
