/**
 * Every reference module passes a finite-difference gradient check with respect to its input and
 * every parameter, over random configurations drawn by fast-check (head counts, KV groups, head
 * sizes, partial rotary, both rotary styles, both GQA pairings, sequence lengths including T = 1).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  DecoderLayer, DiffAttnV2, DiffTransformerLM, Linear, MultiheadAttention, MultiheadDiffAttn, RMSNorm, Rng, SwiGLU,
  Tensor, ropeFrequencies, ropeTables, type Module, type RopeTables,
} from '../../../src/ref/index.js';
import { expectGradcheck } from '../arbitraries.js';

interface Setup { B: number; T: number; seed: number }

const setupArb = fc.record({ B: fc.integer({ min: 1, max: 2 }), T: fc.integer({ min: 1, max: 4 }), seed: fc.nat() });
const style = fc.constantFrom('interleaved' as const, 'half' as const);

/** x ~ N(0, 1) as a leaf that needs a gradient. */
function input(shape: number[], rng: Rng): Tensor {
  return new Tensor(rng.normalArray(shape.reduce((p, d) => p * d, 1), 1), shape, true);
}

function rope(T: number, rotaryDim: number): RopeTables {
  return ropeTables(T, ropeFrequencies(rotaryDim, 100));
}

/** Gradcheck of `run` with respect to x and every parameter of `module`. */
function checkModule(module: Module, x: Tensor, run: (x: Tensor) => Tensor): void {
  expectGradcheck((xx) => run(xx), [x, ...module.parameters()]);
}

describe('gradcheck of the reference modules', () => {
  it('Linear', () => {
    fc.assert(fc.property(setupArb, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), ({ B, T, seed }, i, o) => {
      const rng = new Rng(seed);
      const m = new Linear(i, o, rng);
      checkModule(m, input([B, T, i], rng), (x) => m.forward(x));
    }));
  });

  it('RMSNorm, with and without a gain', () => {
    fc.assert(fc.property(setupArb, fc.integer({ min: 1, max: 6 }), fc.boolean(), ({ B, T, seed }, n, affine) => {
      const rng = new Rng(seed);
      const m = new RMSNorm(n, 1e-5, affine);
      if (m.weight) m.weight.data.set(rng.normalArray(n, 1));
      checkModule(m, input([B, T, n], rng), (x) => m.forward(x));
    }));
  });

  it('SwiGLU', () => {
    fc.assert(fc.property(setupArb, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), ({ B, T, seed }, c, h) => {
      const rng = new Rng(seed);
      const m = new SwiGLU(c, h, rng);
      checkModule(m, input([B, T, c], rng), (x) => m.forward(x));
    }));
  });

  it('MultiheadDiffAttn (DIFF V1): MHA/GQA/MQA, both pairings, partial rotary, both rotary styles', () => {
    const config = fc.record({
      H: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }), d: fc.constantFrom(2, 4),
      pairing: fc.constantFrom('paper' as const, 'naive' as const), partial: fc.boolean(), ropeStyle: style,
      depth: fc.integer({ min: 0, max: 11 }),
    }).filter(({ H, groups }) => H % groups === 0);
    fc.assert(fc.property(setupArb, config, ({ B, T, seed }, c) => {
      const rng = new Rng(seed);
      const m = new MultiheadDiffAttn({ embedDim: 2 * c.H * c.d, numHeads: c.H, numKvHeads: c.groups, depth: c.depth, pairing: c.pairing, ropeStyle: c.ropeStyle }, rng);
      m.subln.weight!.data.set(rng.normalArray(2 * c.d, 1));
      const tables = rope(T, c.partial && c.d > 2 ? 2 : c.d);
      checkModule(m, input([B, T, 2 * c.H * c.d], rng), (x) => m.forward(x, tables));
    }), { numRuns: 15 });
  });

  it('DiffAttnV2 and its baseline form: odd groups, d_model ≠ H·d', () => {
    const config = fc.record({
      H: fc.integer({ min: 1, max: 3 }), kv: fc.integer({ min: 1, max: 3 }), d: fc.constantFrom(2, 4),
      D: fc.integer({ min: 2, max: 6 }), useDiff: fc.boolean(), ropeStyle: style,
    }).filter(({ H, kv, useDiff }) => ((useDiff ? 2 : 1) * H) % kv === 0);
    fc.assert(fc.property(setupArb, config, ({ B, T, seed }, c) => {
      const rng = new Rng(seed);
      const m = new DiffAttnV2({ dModel: c.D, numHeads: c.H, numKvHeads: c.kv, headDim: c.d, useDiff: c.useDiff, ropeStyle: c.ropeStyle }, rng);
      const tables = rope(T, c.d);
      checkModule(m, input([B, T, c.D], rng), (x) => m.forward(x, tables));
    }), { numRuns: 15 });
  });

  it('MultiheadAttention (baseline) with GQA', () => {
    const config = fc.record({ H: fc.integer({ min: 1, max: 4 }), kv: fc.integer({ min: 1, max: 4 }), d: fc.constantFrom(2, 4) })
      .filter(({ H, kv }) => H % kv === 0);
    fc.assert(fc.property(setupArb, config, ({ B, T, seed }, c) => {
      const rng = new Rng(seed);
      const m = new MultiheadAttention({ embedDim: c.H * c.d, numHeads: c.H, numKvHeads: c.kv }, rng);
      checkModule(m, input([B, T, c.H * c.d], rng), (x) => m.forward(x, rope(T, c.d)));
    }), { numRuns: 15 });
  });

  it('DecoderLayer for each attention kind', () => {
    const kind = fc.constantFrom('diff_v1' as const, 'diff_v2' as const, 'baseline' as const);
    fc.assert(fc.property(setupArb, kind, ({ B, T, seed }, attention) => {
      const rng = new Rng(seed);
      const numHeads = attention === 'diff_v1' ? 1 : 2;
      const m = new DecoderLayer({ attention, dModel: 4, numHeads, ffnHidden: 3, depth: 1 }, rng);
      checkModule(m, input([B, T, 4], rng), (x) => m.forward(x, rope(T, 2)));
    }), { numRuns: 9 });
  });

  it('DiffTransformerLM loss, tied and untied, every kind', () => {
    const kind = fc.constantFrom('diff_v1' as const, 'diff_v2' as const, 'baseline' as const);
    fc.assert(fc.property(setupArb, kind, fc.boolean(), ({ B, T, seed }, attention, tie) => {
      const rng = new Rng(seed);
      const lm = new DiffTransformerLM({
        attention, vocabSize: 5, dModel: 4, numLayers: 2, numHeads: attention === 'diff_v1' ? 1 : 2, ffnHidden: 3, tieEmbeddings: tie,
      }, rng);
      const T2 = T + 1; // the loss needs a next token
      const ids = Array.from({ length: B * T2 }, () => Math.floor(rng.uniform() * 5));
      expectGradcheck(() => lm.loss(ids, [B, T2]), lm.parameters());
    }), { numRuns: 8 });
  });
});
