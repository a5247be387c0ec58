/**
 * `saveModelFolder`: writes a model as a folder of any flavour: config.json, model.safetensors
 * (metadata `{"format": "pt"}`, which transformers expects) and the tokenizer's files.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromFloat64, writeSafetensors, type SafeTensor } from '../io/safetensors.js';
import { DiffTransformerLM } from '../ref/index.js';
import { exportModel } from './export.js';
import { CONFIG_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE, type FolderLayout, type ModelData, type WeightDType } from './folder.js';
import { fromRefModel } from './ref-model.js';
import { HfTokenizer } from './tokenizer/hf.js';
import { checkTokenizerFits, type Tokenizer } from './tokenizer/tokenizer.js';

export interface SaveOptions {
  /** Folder flavour; default 'diffattn'. */
  to?: FolderLayout;
  /** Weight dtype; default F32. F16 and BF16 round to nearest even from float64. */
  dtype?: WeightDType;
  /** The tokenizer to save; default the model's own (`ModelData.tokenizer`), else none. */
  tokenizer?: Tokenizer | null;
}

/**
 * Writes `model` into `dir` (created if needed; config.json and model.safetensors are overwritten,
 * tokenizer.json and tokenizer_config.json replaced or removed). Throws 'unsupported' when the flavour cannot hold the model, before
 * writing anything.
 */
export function saveModelFolder(dir: string, model: DiffTransformerLM | ModelData, opts: SaveOptions = {}): void {
  const data = model instanceof DiffTransformerLM ? fromRefModel(model) : model;
  const tokenizer = opts.tokenizer !== undefined ? opts.tokenizer : data.tokenizer ?? null;
  if (tokenizer) checkTokenizerFits(tokenizer, data.config.vocabSize, 'saveModelFolder');
  const dtype = opts.dtype ?? 'F32';
  const { configJson, tensors } = exportModel(data, opts.to ?? 'diffattn', { tokenizer, dtype });
  const encoded = new Map<string, SafeTensor>([...tensors].map(([name, t]) => [name, fromFloat64(t.data, dtype, t.shape)]));
  const weights = writeSafetensors(encoded, { format: 'pt' });

  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CONFIG_FILE), `${JSON.stringify(configJson, null, 2)}\n`);
  writeFileSync(join(dir, WEIGHTS_FILE), weights);
  // A DiffLlama folder's tokenizer is whatever tokenizer.json is there, so an old one must not survive.
  for (const f of [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE]) rmSync(join(dir, f), { force: true });
  if (tokenizer instanceof HfTokenizer) {
    writeFileSync(join(dir, TOKENIZER_FILE), JSON.stringify(tokenizer.json));
    if (Object.keys(tokenizer.config).length > 0) writeFileSync(join(dir, TOKENIZER_CONFIG_FILE), `${JSON.stringify(tokenizer.config, null, 2)}\n`);
  }
}
