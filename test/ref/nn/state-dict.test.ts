/**
 * Parameter names are the official `state_dict` names, so official weights load with no table in
 * between. The expected names come from the golden files themselves: every `grad.<name>` in a file
 * other than `grad.x` is the gradient of a parameter called `<name>`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src/io/safetensors.js';
import { DecoderLayer, DiffAttnV2, MultiheadAttention, MultiheadDiffAttn, Rng, Tensor, ropeFrequencies, ropeTables, type Module } from '../../../src/ref/index.js';
import { expectDiffAttnError } from '../arbitraries.js';
import { GOLDEN_DIR } from '../../oracle/golden-files.js';

function officialNames(file: string): string[] {
  const { tensors } = readSafetensors(readFileSync(join(GOLDEN_DIR, file)));
  return [...tensors.keys()].filter((n) => n.startsWith('grad.') && n !== 'grad.x').map((n) => n.slice(5)).sort();
}

const names = (m: Module): string[] => [...m.stateDict().keys()].sort();

describe('state dict names match the official modules', () => {
  it.each([
    ['diff_v1_mha_T33_d1.safetensors', () => new MultiheadDiffAttn({ embedDim: 64, numHeads: 4, depth: 1 })],
    ['diff_v2_mha_T33.safetensors', () => new DiffAttnV2({ dModel: 64, numHeads: 4, headDim: 16 })],
    ['baseline_mha_T33.safetensors', () => new MultiheadAttention({ embedDim: 64, numHeads: 8 })],
    ['decoder_v1_mha_T33_d1.safetensors', () => new DecoderLayer({ attention: 'diff_v1', dModel: 64, numHeads: 4, ffnHidden: 176, depth: 1 })],
  ])('%s', (file, make) => {
    expect(names(make())).toEqual(officialNames(file));
  });
});

describe('loadStateDict', () => {
  const make = (seed: number): MultiheadDiffAttn => new MultiheadDiffAttn({ embedDim: 16, numHeads: 2, numKvHeads: 1, depth: 3 }, new Rng(seed));

  it('round-trips: a module loaded from another one computes the same output', () => {
    const a = make(1), b = make(2);
    const rope = ropeTables(5, ropeFrequencies(4, 10000));
    const x = new Tensor(new Rng(3).normalArray(2 * 5 * 16, 1), [2, 5, 16]);
    expect(b.forward(x, rope).data).not.toEqual(a.forward(x, rope).data);
    b.loadStateDict(a.stateDict());
    expect(b.forward(x, rope).data).toEqual(a.forward(x, rope).data);
  });

  it('names the parameter, the expected and the actual shape', () => {
    const dict = new Map(make(1).stateDict());
    dict.set('k_proj.weight', Tensor.zeros([16, 16]));
    expectDiffAttnError(() => make(2).loadStateDict(dict), 'shape', /k_proj\.weight.*expected shape \[8, 16\], got \[16, 16\]/);
  });

  it('reports missing keys with their expected shapes', () => {
    const dict = new Map(make(1).stateDict());
    dict.delete('lambda_k2');
    expectDiffAttnError(() => make(2).loadStateDict(dict), 'missing', /missing parameter 'lambda_k2' \(expected shape \[4\]\)/);
  });

  it('rejects unknown keys unless told to ignore them', () => {
    const dict = new Map(make(1).stateDict());
    dict.set('rotary.inv_freq', Tensor.zeros([2]));
    expectDiffAttnError(() => make(2).loadStateDict(dict), 'unknown', /unknown key 'rotary\.inv_freq'/);
    const m = make(2);
    m.loadStateDict(dict, { allowUnknown: true });
    expect(m.lambda_q1.data).toEqual(dict.get('lambda_q1')!.data);
  });

  it('lists every problem at once', () => {
    const dict = new Map(make(1).stateDict());
    dict.delete('q_proj.weight');
    dict.set('bogus', Tensor.zeros([1]));
    expectDiffAttnError(() => make(2).loadStateDict(dict), 'missing', /missing parameter 'q_proj\.weight'.*unknown key 'bogus'/);
  });
});
