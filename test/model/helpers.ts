/**
 * Test support for src/model: random models whose every parameter matters (norm and subln gains
 * away from 1, some negative), their reference logits, relative error, temporary folders, and
 * arbitraries of configs.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parameterShapes, resolveConfig } from '../../src/model/config.js';
import type { ModelData } from '../../src/model/folder.js';
import { toRefModel } from '../../src/model/ref-model.js';
import { Rng, type LMConfig } from '../../src/ref/index.js';

/** Random parameters for `config`: linears N(0, 1/fan_in), gains 1 + 0.5·N(0, 1), λ vectors N(0, 0.1²). */
export function randomModel(partial: LMConfig & { maxContext?: number }, seed: number): ModelData {
  const config = resolveConfig(partial);
  const rng = new Rng(seed);
  const params = new Map([...parameterShapes(config)].map(([name, shape]) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const data = /weight$/.test(name) && shape.length === 1 ? Float64Array.from({ length: n }, () => 1 + 0.5 * rng.normal())
      : /lambda_/.test(name) ? rng.normalArray(n, 0.1)
        : rng.normalArray(n, 1 / Math.sqrt(shape[1]));
    return [name, { shape: [...shape], data }];
  }));
  return { config, params };
}

/** Reference logits [B, T, V] of `ids` (shape [B, T]). */
export function logitsOf(m: ModelData, ids: readonly number[], shape: readonly [number, number]): Float64Array {
  return toRefModel(m).forward(ids, shape).data;
}

/** Random token ids for a model: [2, T]. */
export function randomIds(vocabSize: number, T: number, seed: number): { ids: number[]; shape: [number, number] } {
  const rng = new Rng(seed);
  return { ids: Array.from({ length: 2 * T }, () => Math.floor(rng.uniform() * vocabSize)), shape: [2, T] };
}

/** max|a − b| / max|b|. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/** A fresh temporary folder, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'diffattn-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;

/** A fresh subfolder name under a `tempDir()`. */
export function subdir(root: string): string {
  return join(root, `m${counter++}`);
}

/**
 * DIFF V1 configs every flavour can hold: d_model = 2·H·d (the official constraint), whole-head
 * standard RoPE, one ε for every norm (DiffLlama's constraint); MHA, GQA and MQA, both pairings,
 * both RoPE styles, with and without a subln gain, tied and untied.
 */
export const portableV1 = fc.record({
  numHeads: fc.integer({ min: 1, max: 4 }), kvDivisor: fc.integer({ min: 1, max: 4 }), headDim: fc.constantFrom(2, 4, 6),
  numLayers: fc.integer({ min: 1, max: 2 }), vocabSize: fc.integer({ min: 3, max: 12 }), ffnHidden: fc.integer({ min: 1, max: 8 }),
  tieEmbeddings: fc.boolean(), pairing: fc.constantFrom('paper' as const, 'naive' as const),
  ropeStyle: fc.constantFrom('interleaved' as const, 'half' as const), sublnAffine: fc.boolean(),
  eps: fc.constantFrom(1e-5, 1e-6), ropeTheta: fc.constantFrom(10000, 500000), seed: fc.nat(),
}).filter((c) => c.numHeads % c.kvDivisor === 0).map(({ kvDivisor, eps, seed, ...c }) => ({
  seed,
  config: {
    ...c, attention: 'diff_v1' as const, numKvHeads: c.numHeads / kvDivisor, dModel: 2 * c.numHeads * c.headDim,
    normEps: eps, sublnEps: eps, maxContext: 64,
  } satisfies LMConfig & { maxContext: number },
}));

/** Configs of the other two attention kinds, official-compatible sizes. */
export const portableOther = fc.record({
  attention: fc.constantFrom('diff_v2' as const, 'baseline' as const), numHeads: fc.integer({ min: 1, max: 3 }),
  headDim: fc.constantFrom(2, 4), numLayers: fc.integer({ min: 1, max: 2 }), vocabSize: fc.integer({ min: 3, max: 10 }),
  ffnHidden: fc.integer({ min: 1, max: 6 }), tieEmbeddings: fc.boolean(), ropeStyle: fc.constantFrom('interleaved' as const, 'half' as const),
  mqa: fc.boolean(), seed: fc.nat(),
}).map(({ mqa, seed, ...c }) => ({
  seed,
  config: { ...c, numKvHeads: mqa ? 1 : c.numHeads, dModel: c.attention === 'baseline' ? c.numHeads * c.headDim : 6 } satisfies LMConfig,
}));
