/**
 * Export then import: a model saved in any flavour (as F64) and loaded back computes the same
 * logits to float64 round-off, for MHA, GQA and MQA, tied and untied heads, both GQA pairings,
 * both RoPE styles and a non-trivial subln gain; flavours that cannot hold a model say why.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FOLDER_LAYOUTS, type FolderLayout, type ModelData } from '../../src/model/folder.js';
import { loadModelFolder } from '../../src/model/folder-read.js';
import { saveModelFolder } from '../../src/model/folder-write.js';
import { exportModel } from '../../src/model/export.js';
import type { LMConfig } from '../../src/ref/index.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';
import { logitsOf, portableOther, portableV1, randomIds, randomModel, relErr, subdir, tempDir } from './helpers.js';

const root = tempDir();
const TOL = 1e-12;

function roundTrip(m: ModelData, to: FolderLayout, seed: number): ModelData {
  const dir = subdir(root);
  saveModelFolder(dir, m, { to, dtype: 'F64' });
  const back = loadModelFolder(dir);
  expect(back.layout).toBe(to);
  expect(back.dtypes).toEqual(new Set(['F64']));
  const { ids, shape } = randomIds(m.config.vocabSize, 6, seed);
  expect(relErr(logitsOf(back, ids, shape), logitsOf(m, ids, shape))).toBeLessThanOrEqual(TOL);
  for (const k of ['vocabSize', 'dModel', 'numLayers', 'headDim', 'ffnHidden', 'rotaryDim', 'ropeTheta', 'normEps', 'tieEmbeddings', 'maxContext'] as const) {
    expect(back.config[k], k).toBe(m.config[k]);
  }
  return back;
}

const base = { attention: 'diff_v1' as const, vocabSize: 11, numLayers: 2, headDim: 4, ffnHidden: 7, maxContext: 32, sublnAffine: true, normEps: 1e-6, sublnEps: 1e-6 };
const named: Array<[string, LMConfig & { maxContext: number }]> = [
  ['MHA, untied', { ...base, numHeads: 2, numKvHeads: 2, dModel: 16 }],
  ['MHA, tied', { ...base, numHeads: 2, numKvHeads: 2, dModel: 16, tieEmbeddings: true }],
  ['GQA paper pairing (flash), untied', { ...base, numHeads: 4, numKvHeads: 2, dModel: 32, pairing: 'paper' }],
  ['GQA naive pairing, tied', { ...base, numHeads: 4, numKvHeads: 2, dModel: 32, pairing: 'naive', tieEmbeddings: true }],
  ['MQA paper pairing, untied', { ...base, numHeads: 3, numKvHeads: 1, dModel: 24 }],
  ['MQA naive pairing, tied', { ...base, numHeads: 3, numKvHeads: 1, dModel: 24, pairing: 'naive', tieEmbeddings: true }],
  ['GQA with rotate_half RoPE', { ...base, numHeads: 4, numKvHeads: 2, dModel: 32, ropeStyle: 'half' }],
];

describe('every flavour round-trips DIFF V1 models exactly', () => {
  it.each(named.flatMap(([name, c]) => FOLDER_LAYOUTS.map((to) => [name, to, c] as const)))('%s → %s', (_, to, c) => {
    const m = randomModel(c, 7);
    const g = m.params.get('layers.1.attn.subln.weight')!.data;
    expect(Math.max(...g) - Math.min(...g)).toBeGreaterThan(0.1); // the gain is far from uniform
    roundTrip(m, to, 3);
  });

  it('on random configs (fast-check), through every flavour in turn', () => {
    fc.assert(fc.property(portableV1, fc.shuffledSubarray([...FOLDER_LAYOUTS], { minLength: 3 }), ({ config, seed }, order) => {
      let m: ModelData = randomModel(config, seed);
      for (const to of order) m = roundTrip(m, to, seed);
    }), { numRuns: 15 });
  });

  it('DiffLlama export: paper GQA keeps 2·Hkv kv heads, naive GQA becomes multi-head, the gain is folded', () => {
    const gqa = (pairing: 'paper' | 'naive'): number => {
      const { configJson } = exportModel(randomModel({ ...base, numHeads: 4, numKvHeads: 2, dModel: 32, pairing }, 1), 'diffllama');
      return configJson.num_key_value_heads as number;
    };
    expect(gqa('paper')).toBe(4);
    expect(gqa('naive')).toBe(8);
    const { tensors } = exportModel(randomModel({ ...base, numHeads: 2, numKvHeads: 2, dModel: 16 }, 1), 'diffllama');
    expect([...tensors.keys()].some((n) => n.includes('subln'))).toBe(false);
  });
});

describe('V2 and baseline models round-trip through diffattn and official', () => {
  it('on random configs', () => {
    fc.assert(fc.property(portableOther, ({ config, seed }) => {
      const m = randomModel(config, seed);
      roundTrip(m, 'diffattn', seed);
      const back = roundTrip(m, 'official', seed);
      expect(back.config.ropeStyle).toBe('interleaved');
    }), { numRuns: 10 });
  });
});

describe('flavours that cannot hold a model say why, before writing', () => {
  const v1 = { ...base, numHeads: 2, numKvHeads: 2, dModel: 16 };
  const cases: Array<[string, LMConfig, FolderLayout, RegExp]> = [
    ['V2 → DiffLlama', { attention: 'diff_v2', vocabSize: 5, dModel: 6, numLayers: 1, numHeads: 2, headDim: 4, ffnHidden: 3 }, 'diffllama', /only DIFF V1 attention, this model's is diff_v2/],
    ['baseline → DiffLlama', { attention: 'baseline', vocabSize: 5, dModel: 8, numLayers: 1, numHeads: 2, ffnHidden: 3 }, 'diffllama', /only DIFF V1 attention, this model's is baseline/],
    ['ε mismatch → DiffLlama', { ...v1, sublnEps: 1e-5 }, 'diffllama', /one rms_norm_eps for every norm, but this model has normEps 0.000001 and sublnEps 0.00001/],
    ['partial rotary → DiffLlama', { ...v1, rotaryDim: 2 }, 'diffllama', /rotaryDim 2 ≠ headDim 4/],
    ['YOCO frequencies → DiffLlama', { ...v1, ropeSchedule: 'yoco_linspace' }, 'diffllama', /'yoco_linspace'/],
    ['V1 head size ≠ E/(2H) → official', { ...v1, headDim: 6 }, 'official', /derives head_dim = embed_dim\/\(2·num_heads\) = 4, but the model's headDim is 6/],
    ['baseline head size ≠ E/H → official', { attention: 'baseline', vocabSize: 5, dModel: 8, numLayers: 1, numHeads: 2, headDim: 2, ffnHidden: 3 }, 'official', /embed_dim\/num_heads = 4, but the model's headDim is 2/],
  ];
  it.each(cases)('%s', (_, c, to, message) => {
    const dir = subdir(root);
    expectDiffAttnError(() => saveModelFolder(dir, randomModel(c, 1), { to }), 'unsupported', message);
    expectDiffAttnError(() => loadModelFolder(dir), 'missing', /config\.json/);
  });

  it('a model whose head size no official module has still round-trips through diffattn and DiffLlama', () => {
    const m = randomModel({ ...v1, headDim: 6 }, 2);
    roundTrip(m, 'diffattn', 1);
    roundTrip(m, 'diffllama', 1);
  });
});
