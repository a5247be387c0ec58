/**
 * Hugging Face DiffLlama folders: the bundled `diffllama_tiny_tied` checkpoint against its golden
 * logits and greedy tokens, through every flavour and back; and the export as the exact inverse of
 * the import on DiffLlama checkpoints built here (even Hkv: the same tensors, bit for bit; odd Hkv:
 * a multi-head DiffLlama computing the same logits).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '../../src/io/read-file.js';
import { fromFloat64, toFloat64, writeSafetensors, type SafeTensor } from '../../src/io/safetensors.js';
import { FOLDER_LAYOUTS } from '../../src/model/folder.js';
import { loadModelFolder } from '../../src/model/folder-read.js';
import { saveModelFolder } from '../../src/model/folder-write.js';
import { generateRef } from '../../src/model/generate.js';
import { diffLlamaConfigJson, diffLlamaModel, parseDiffLlamaConfig, type DiffLlamaConfig } from '../../src/model/layouts/diffllama-model.js';
import { toRefModel } from '../../src/model/ref-model.js';
import { ByteTokenizer } from '../../src/model/tokenizer/bytes.js';
import { Rng } from '../../src/ref/index.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';
import { logitsOf, randomIds, relErr, subdir, tempDir } from './helpers.js';

const root = tempDir();
const BUNDLED = join(import.meta.dirname, '../fixtures/golden/diffllama/models/diffllama_tiny_tied');
const golden = readSafetensorsFile(join(BUNDLED, 'golden.safetensors')).tensors;
const goldenF64 = (name: string): Float64Array => toFloat64(golden.get(name)!, name);
const inputIds = golden.get('input_ids')!;
const ids = Array.from(goldenF64('input_ids'));
const shape = inputIds.shape as [number, number];

describe('the bundled DiffLlama checkpoint', () => {
  const loaded = loadModelFolder(BUNDLED);

  it('loads as DiffLlama: config, dtypes, no tokenizer', () => {
    expect(loaded.layout).toBe('diffllama');
    expect(loaded.dtypes).toEqual(new Set(['F32']));
    expect(loaded.tokenizer).toBeNull();
    // README §3.2: H = 4 single heads → 2 differential heads; Hkv = 2 → 1 canonical group; ε = 1e-6 everywhere.
    expect(loaded.config).toMatchObject({ attention: 'diff_v1', numHeads: 2, numKvHeads: 1, headDim: 8, normEps: 1e-6, sublnEps: 1e-6, tieEmbeddings: true, maxContext: 128 });
  });

  it('reproduces the golden logits and greedy tokens', () => {
    expect(relErr(logitsOf(loaded, ids, shape), goldenF64('logits'))).toBeLessThanOrEqual(1e-10);
    const prompt = ids.slice(0, shape[1]);
    const run = generateRef(toRefModel(loaded), null, prompt, { maxTokens: 8, maxContext: loaded.config.maxContext });
    expect(run.tokens).toEqual(Array.from(goldenF64('greedy_tokens')));
    expect(run.finishReason).toBe('length');
  });

  it.each(FOLDER_LAYOUTS.flatMap((a) => FOLDER_LAYOUTS.map((b) => [a, b])))('→ %s → %s still matches the golden logits', (a, b) => {
    const first = subdir(root);
    saveModelFolder(first, loaded, { to: a, dtype: 'F64' });
    const second = subdir(root);
    saveModelFolder(second, loadModelFolder(first), { to: b, dtype: 'F64' });
    const back = loadModelFolder(second);
    expect(back.layout).toBe(b);
    expect(relErr(logitsOf(back, ids, shape), goldenF64('logits'))).toBeLessThanOrEqual(1e-10);
  });

  it('exported to DiffLlama as F32, gives back the original tensors bit for bit and an equivalent config.json', () => {
    const dir = subdir(root);
    saveModelFolder(dir, loaded, { to: 'diffllama', dtype: 'F32' });
    const original = readSafetensorsFile(join(BUNDLED, 'model.safetensors'));
    const exported = readSafetensorsFile(join(dir, 'model.safetensors'));
    expect([...exported.tensors.keys()].sort()).toEqual([...original.tensors.keys()].sort());
    for (const [name, t] of original.tensors) expect(exported.tensors.get(name), name).toEqual(t);
    expect(exported.metadata).toEqual({ format: 'pt' });
    const json = (d: string): Record<string, unknown> => JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    expect(parseDiffLlamaConfig(json(dir))).toEqual(parseDiffLlamaConfig(json(BUNDLED)));
    expect(json(dir).max_position_embeddings).toBe(128);
  });
});

/** A DiffLlama folder with random weights, written directly under DiffLlama's names. */
function diffLlamaFolder(c: DiffLlamaConfig, seed: number): { dir: string; tensors: Map<string, Float64Array> } {
  const dir = subdir(root);
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  const tensors = new Map<string, Float64Array>();
  const file = new Map([...diffLlamaModel(c).sourceShapes].map(([name, s]) => {
    // Rounded to float32 first, so an F32 export must give back exactly these values.
    const data = Float64Array.from(Float32Array.from(s.length === 1 && !name.includes('lambda') ? rng.normalArray(s[0], 0.3).map((v) => 1 + v) : rng.normalArray(s.reduce((p, d) => p * d, 1), 0.4)));
    tensors.set(name, data);
    return [name, fromFloat64(data, 'F32', s)];
  }));
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(file, { format: 'pt' }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(diffLlamaConfigJson(c, { maxPositionEmbeddings: 64, torchDtype: 'float32' })));
  return { dir, tensors };
}

describe('DiffLlama export is the inverse of the import', () => {
  const common = { vocabSize: 13, hiddenSize: 24, intermediateSize: 10, numLayers: 2, rmsNormEps: 1e-5, ropeTheta: 10000 };

  it.each([
    ['MHA', 4, 4, 6, false], ['GQA, n_rep 2', 8, 4, 4, true], ['GQA, Hkv 2', 4, 2, 8, false], ['head_dim ≠ hidden/H', 4, 2, 10, true],
  ])('%s (H %i, Hkv %i, d %i, tied %s): the same tensors, bit for bit', (_, H, Hkv, d, tied) => {
    const c = { ...common, numHeads: H as number, numKvHeads: Hkv as number, headDim: d as number, tieWordEmbeddings: tied as boolean };
    const { dir, tensors } = diffLlamaFolder(c, 5);
    const out = subdir(root);
    saveModelFolder(out, loadModelFolder(dir), { to: 'diffllama', dtype: 'F64' });
    const back = readSafetensorsFile(join(out, 'model.safetensors')).tensors;
    expect([...back.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, data] of tensors) expect(toFloat64(back.get(name)!), name).toEqual(data);
  });

  it.each([['MQA', 4, 1], ['odd Hkv 3', 6, 3]])('%s: becomes a multi-head DiffLlama with the same logits', (_, H, Hkv) => {
    const { dir } = diffLlamaFolder({ ...common, numHeads: H as number, numKvHeads: Hkv as number, headDim: 4, tieWordEmbeddings: false }, 9);
    const loaded = loadModelFolder(dir);
    const out = subdir(root);
    saveModelFolder(out, loaded, { to: 'diffllama', dtype: 'F64' });
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).num_key_value_heads).toBe(H);
    const { ids: x, shape: s } = randomIds(13, 7, 2);
    expect(relErr(logitsOf(loadModelFolder(out), x, s), logitsOf(loaded, x, s))).toBeLessThanOrEqual(1e-12);
  });
});

describe('DiffLlama folders: errors, special ids, tokenizers', () => {
  const c: DiffLlamaConfig = { vocabSize: 7, hiddenSize: 8, intermediateSize: 4, numLayers: 1, numHeads: 2, numKvHeads: 2, headDim: 4, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true };

  function edited(edit: (t: Map<string, SafeTensor>) => void): string {
    const { dir } = diffLlamaFolder(c, 1);
    const file = readSafetensorsFile(join(dir, 'model.safetensors'));
    edit(file.tensors);
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(file.tensors));
    return dir;
  }

  it('names an unknown, a missing and a wrongly shaped weight', () => {
    expectDiffAttnError(() => loadModelFolder(edited((t) => t.set('lm_head.weight', fromFloat64(new Float64Array(56), 'F32', [7, 8])))),
      'unknown', /model\.safetensors: unknown weights 'lm_head\.weight'/);
    expectDiffAttnError(() => loadModelFolder(edited((t) => t.delete('model.layers.0.self_attn.lambda_q2'))),
      'missing', /model\.safetensors: .*'model\.layers\.0\.self_attn\.lambda_q2' is missing/);
    expectDiffAttnError(() => loadModelFolder(edited((t) => t.set('model.norm.weight', fromFloat64(new Float64Array(9), 'F32', [9])))),
      'shape', /'model\.norm\.weight': expected shape \[8\], got \[9\]/);
  });

  it('names a bad config.json field', () => {
    const { dir } = diffLlamaFolder(c, 1);
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...json, num_key_value_heads: 0 }));
    expectDiffAttnError(() => loadModelFolder(dir), 'format', /config\.json: 'num_key_value_heads' must be a positive integer, got 0/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...json, max_position_embeddings: -1 }));
    expectDiffAttnError(() => loadModelFolder(dir), 'value', /'max_position_embeddings' must be an integer ≥ 1, got -1/);
  });

  it('keeps the byte tokenizer through a DiffLlama folder (a config.json key transformers ignores)', () => {
    const dir = subdir(root);
    const m = loadModelFolder(diffLlamaFolder({ ...c, vocabSize: 256 }, 1).dir);
    saveModelFolder(dir, m, { to: 'diffllama', tokenizer: new ByteTokenizer() });
    expect(loadModelFolder(dir).tokenizer).toBeInstanceOf(ByteTokenizer);
  });

  it('reads bos/eos ids from config.json into a tokenizer.json tokenizer without special tokens of its own', () => {
    const { dir } = diffLlamaFolder(c, 1);
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...json, bos_token_id: 1, eos_token_id: [2, 3] }));
    const vocab = Object.fromEntries(['<unk>', '<s>', '</s>', 'a', 'b'].map((t, i) => [t, i]));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab, unk_token: '<unk>' } }));
    const loaded = loadModelFolder(dir);
    expect(loaded.tokenizer?.bosId).toBe(1);
    expect(loaded.tokenizer?.eosId).toBe(2); // the first of a list
  });
});
