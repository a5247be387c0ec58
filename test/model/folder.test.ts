/**
 * Model folders of the diffattn and official flavours: what is written, every weight dtype, the
 * reference model in and out, and a `DiffAttnError` naming the culprit for every malformed folder.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '../../src/io/read-file.js';
import { fromFloat64, toFloat64, writeSafetensors, type SafeTensor } from '../../src/io/safetensors.js';
import { WEIGHT_DTYPES, type ModelData } from '../../src/model/folder.js';
import { loadModelFolder } from '../../src/model/folder-read.js';
import { saveModelFolder } from '../../src/model/folder-write.js';
import { fromRefModel, toRefModel } from '../../src/model/ref-model.js';
import { ByteTokenizer } from '../../src/model/tokenizer/bytes.js';
import { DiffTransformerLM, Rng } from '../../src/ref/index.js';
import { expectDiffAttnError } from '../ref/arbitraries.js';
import { randomModel, subdir, tempDir } from './helpers.js';

const root = tempDir();
const small = { attention: 'diff_v1' as const, vocabSize: 9, dModel: 8, numLayers: 1, numHeads: 2, numKvHeads: 1, ffnHidden: 5 };
const readJson = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));

/** A saved folder whose config.json or weights the test then edits. */
function saved(m: ModelData = randomModel(small, 1), to: 'diffattn' | 'official' = 'diffattn'): string {
  const dir = subdir(root);
  saveModelFolder(dir, m, { to, dtype: 'F32' });
  return dir;
}
function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): string {
  const c = readJson(dir);
  edit(c);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
  return dir;
}
function editWeights(dir: string, edit: (t: Map<string, SafeTensor>) => void): string {
  const file = readSafetensorsFile(join(dir, 'model.safetensors'));
  edit(file.tensors);
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(file.tensors));
  return dir;
}

describe('saving and loading', () => {
  it('diffattn config.json states every ModelConfig field, the format and the tokenizer', () => {
    const m = randomModel(small, 1);
    const dir = subdir(root);
    saveModelFolder(dir, m, { tokenizer: null });
    expect(readJson(dir)).toEqual({ format: 'diffattn/1', ...m.config, tokenizer: null });
    const back = loadModelFolder(dir);
    expect(back.config).toEqual(m.config);
    expect(back.dtypes).toEqual(new Set(['F32'])); // the default dtype
  });

  it('official config.json holds the module’s constructor arguments', () => {
    const dir = saved(randomModel({ ...small, pairing: 'naive', ropeTheta: 5e5 }, 1), 'official');
    expect(readJson(dir)).toEqual({
      attention_module: 'MultiheadDiffAttn', embed_dim: 8, num_heads: 2, num_kv_heads: 1, subln_eps: 1e-5, rotary_dim: 2,
      rope_theta: 5e5, rope_schedule: 'standard', vocab_size: 9, num_layers: 1, ffn_hidden: 5, norm_eps: 1e-5,
      tie_embeddings: false, max_context: 2048, tokenizer: null,
    });
  });

  it.each(WEIGHT_DTYPES)('%s weights load as float64 values equal to the stored ones', (dtype) => {
    const m = randomModel(small, 2);
    const dir = subdir(root);
    saveModelFolder(dir, m, { dtype });
    const back = loadModelFolder(dir);
    expect(back.dtypes).toEqual(new Set([dtype]));
    for (const [name, t] of m.params) {
      // What the file holds: the float64 value rounded once to the dtype, decoded exactly.
      expect(back.params.get(name)!.data, name).toEqual(toFloat64(fromFloat64(t.data, dtype, t.shape)));
    }
  });

  it('a folder with mixed dtypes reports all of them', () => {
    const dir = editWeights(saved(), (t) => {
      const e = t.get('embed.weight')!;
      t.set('embed.weight', fromFloat64(toFloat64(e), 'BF16', e.shape));
    });
    expect(loadModelFolder(dir).dtypes).toEqual(new Set(['F32', 'BF16']));
  });

  it('saves a DiffTransformerLM directly and builds one back with the same parameters', () => {
    const lm = new DiffTransformerLM({ ...small, vocabSize: 256, attention: 'baseline', numHeads: 2, numKvHeads: 2 }, new Rng(4));
    const dir = subdir(root);
    saveModelFolder(dir, lm, { dtype: 'F64', tokenizer: new ByteTokenizer() });
    const loaded = loadModelFolder(dir);
    expect(loaded.tokenizer).toBeInstanceOf(ByteTokenizer);
    expect(loaded.config.maxContext).toBe(2048); // the default, as LMConfig has none
    expect(fromRefModel(toRefModel(loaded)).params).toEqual(fromRefModel(lm).params);
  });
});

describe('malformed folders', () => {
  it('names missing files', () => {
    const dir = subdir(root);
    mkdirSync(dir);
    expectDiffAttnError(() => loadModelFolder(dir), 'missing', new RegExp(`cannot read ${join(dir, 'config.json')}`));
    const noWeights = saved();
    rmSync(join(noWeights, 'model.safetensors'));
    expectDiffAttnError(() => loadModelFolder(noWeights), 'missing', /model\.safetensors/);
    writeFileSync(join(noWeights, 'model.safetensors.index.json'), '{}');
    expectDiffAttnError(() => loadModelFolder(noWeights), 'unsupported', /sharded checkpoints/);
    const noTokenizer = editConfig(saved(), (c) => { c.tokenizer = 'tokenizer.json'; });
    expectDiffAttnError(() => loadModelFolder(noTokenizer), 'missing', /tokenizer\.json/);
  });

  it('rejects config.json that is not JSON or of no known flavour', () => {
    const dir = saved();
    writeFileSync(join(dir, 'config.json'), '{"format": ');
    expectDiffAttnError(() => loadModelFolder(dir), 'format', /config\.json: not valid JSON/);
    writeFileSync(join(dir, 'config.json'), '{"hidden_size": 8}');
    expectDiffAttnError(() => loadModelFolder(dir), 'format', /cannot tell the folder's flavour/);
    writeFileSync(join(dir, 'config.json'), '{"model_type": "llama"}');
    expectDiffAttnError(() => loadModelFolder(dir), 'unsupported', /'model_type' "llama" is not supported/);
    writeFileSync(join(dir, 'config.json'), '{"format": "diffattn/2"}');
    expectDiffAttnError(() => loadModelFolder(dir), 'unsupported', /'format' "diffattn\/2" is not supported/);
  });

  it.each<[string, (c: Record<string, unknown>) => void, string, RegExp]>([
    ['an out-of-range field', (c) => { c.numHeads = 0; }, 'value', /config\.json: 'numHeads' must be an integer ≥ 1, got 0/],
    ['inconsistent heads', (c) => { c.numKvHeads = 3; }, 'value', /config\.json: 'numKvHeads' must be a divisor of numHeads \(2\), got 3/],
    ['a number given as a string', (c) => { c.normEps = '0.1'; }, 'value', /'normEps' must be a number, got "0\.1"/],
    ['an unknown enum value', (c) => { c.ropeStyle = 'neox'; }, 'value', /'ropeStyle' must be one of "interleaved", "half", got "neox"/],
    ['a missing field', (c) => { delete c.ffnHidden; }, 'missing', /required key 'ffnHidden' is missing/],
    ['a misspelt key', (c) => { c.ropeTheta2 = 1; }, 'unknown', /unknown key 'ropeTheta2'/],
    ['an unknown tokenizer', (c) => { c.tokenizer = 'sp.model'; }, 'value', /'tokenizer' must be one of "bytes", "tokenizer.json", got "sp.model"/],
  ])('diffattn config.json with %s', (_, edit, code, message) => {
    expectDiffAttnError(() => loadModelFolder(editConfig(saved(), edit)), code as never, message);
  });

  it.each<[string, (c: Record<string, unknown>) => void, string, RegExp]>([
    ['an unknown module', (c) => { c.attention_module = 'MultiheadFlashDiff3'; }, 'value', /'attention_module' must be one of "MultiheadDiffAttn", .*got "MultiheadFlashDiff3"/],
    ['kv heads not dividing heads', (c) => { c.num_kv_heads = 3; }, 'value', /'num_kv_heads' must be a divisor of num_heads \(2\), got 3/],
    ['embed_dim not divisible by 2·num_heads', (c) => { c.embed_dim = 10; c.num_heads = 3; c.num_kv_heads = 3; }, 'value', /'embed_dim' must be divisible by 2·num_heads \(6\), got 10/],
    ['rotary_dim beyond the head', (c) => { c.rotary_dim = 4; }, 'value', /'rotary_dim' must be even and ≤ the head size 2, got 4/],
    ['a V2 key in a V1 config', (c) => { c.head_dim = 2; }, 'unknown', /unknown key 'head_dim'/],
    ['negative norm_eps', (c) => { c.norm_eps = -1; }, 'value', /'norm_eps' must be a number ≥ 0 and < 1, got -1/],
  ])('official config.json with %s', (_, edit, code, message) => {
    expectDiffAttnError(() => loadModelFolder(editConfig(saved(undefined, 'official'), edit)), code as never, message);
  });

  it('official V2 with use_diff_v2 = false is refused with the module to use instead', () => {
    const v2 = randomModel({ attention: 'diff_v2', vocabSize: 5, dModel: 6, numLayers: 1, numHeads: 2, headDim: 4, ffnHidden: 3 }, 1);
    const dir = editConfig(saved(v2, 'official'), (c) => { c.use_diff_v2 = false; });
    expectDiffAttnError(() => loadModelFolder(dir), 'value', /'use_diff_v2' must be true \(.*MultiheadAttention\), got false/);
  });

  it('names missing, unknown and wrongly shaped weights, all in one message', () => {
    expectDiffAttnError(() => loadModelFolder(editWeights(saved(), (t) => t.delete('layers.0.attn.lambda_k1'))),
      'missing', /model\.safetensors: missing weights 'layers\.0\.attn\.lambda_k1' \[2\]/);
    expectDiffAttnError(() => loadModelFolder(editWeights(saved(), (t) => t.set('extra', t.get('norm.weight')!))),
      'unknown', /unknown weights 'extra'/);
    expectDiffAttnError(() => loadModelFolder(editWeights(saved(), (t) => t.set('norm.weight', fromFloat64(new Float64Array(4), 'F32', [4])))),
      'shape', /weight 'norm\.weight': expected shape \[8\], got \[4\]/);
    const both = editWeights(saved(), (t) => { t.delete('embed.weight'); t.set('x', t.get('norm.weight')!); });
    expectDiffAttnError(() => loadModelFolder(both), 'missing', /missing weights 'embed\.weight' \[9, 8\]; unknown weights 'x'/);
  });

  it('explains an lm_head stored with a tied embedding', () => {
    const dir = editConfig(saved(), (c) => { c.tieEmbeddings = true; });
    expectDiffAttnError(() => loadModelFolder(dir), 'unknown', /'lm_head\.weight' \(tieEmbeddings is true: the head is the embedding\)/);
  });

  it('rejects weights of a non-float dtype, naming the weight', () => {
    const dir = editWeights(saved(), (t) => t.set('norm.weight', { dtype: 'I32', shape: [8], data: new Int32Array(8) }));
    expectDiffAttnError(() => loadModelFolder(dir), 'dtype', /weight 'norm\.weight' has dtype I32; weights must be F64, F32, F16, BF16/);
  });

  it('rejects a tokenizer with more ids than the model has embeddings', () => {
    const dir = editConfig(saved(), (c) => { c.tokenizer = 'bytes'; });
    expectDiffAttnError(() => loadModelFolder(dir), 'value', /the tokenizer has 256 ids but the model's vocabSize is 9/);
    expectDiffAttnError(() => saveModelFolder(subdir(root), randomModel(small, 1), { tokenizer: new ByteTokenizer() }), 'value', /256 ids .* vocabSize is 9/);
  });
});
