/**
 * Any model → the config.json object and the weights (float64, under the target's names) of a
 * folder of any flavour. Pure: `saveModelFolder` does the writing. The conversions:
 *
 * - `diffattn`: the model as it is.
 * - `official`: interleaved RoPE and a subln gain (ones where the model has none), then the
 *   official module's arguments (folder-config-official.ts).
 * - `diffllama`: DIFF V1 only, through the inverse of the import's row maps (export-diffllama.ts).
 */
import { DiffAttnError } from '../errors.js';
import type { F64Tensor } from '../io/golden.js';
import { validateConfig } from './config.js';
import { diffattnConfigJson } from './folder-config-diffattn.js';
import { officialConfigJson } from './folder-config-official.js';
import { TOKENIZER_FILE, type FolderLayout, type ModelData, type TokenizerRef, type WeightDType } from './folder.js';
import { diffLlamaConfigJson } from './layouts/diffllama-model.js';
import { toDiffLlama } from './layouts/export-diffllama.js';
import { interleaveRope, unitSublnGain, type CanonicalModel } from './layouts/export-rewrites.js';
import { checkParams } from './params.js';
import { ByteTokenizer } from './tokenizer/bytes.js';
import { HfTokenizer } from './tokenizer/hf.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

export interface ExportOptions {
  /** The tokenizer the folder will hold (its kind is recorded in config.json). */
  tokenizer?: Tokenizer | null;
  /** The dtype the weights will be stored in (DiffLlama records it as `torch_dtype`); default F32. */
  dtype?: WeightDType;
}

export interface ExportedModel {
  configJson: Record<string, unknown>;
  /** Weights under the target flavour's names. */
  tensors: Map<string, F64Tensor>;
}

const TORCH_DTYPES: Record<WeightDType, string> = { F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** The model in the flavour `to`; throws 'unsupported' when that flavour cannot hold it. */
export function exportModel(model: ModelData, to: FolderLayout, opts: ExportOptions = {}): ExportedModel {
  validateConfig(model.config, 'exportModel');
  checkParams(model.config, model.params, 'exportModel');
  const tokenizer = opts.tokenizer ?? null;
  const ref = tokenizerRef(tokenizer);
  switch (to) {
    case 'diffattn':
      return { configJson: diffattnConfigJson(model.config, ref), tensors: new Map(model.params) };
    case 'official': {
      const o = toOfficial(model);
      return { configJson: officialConfigJson(o.config, ref), tensors: new Map(o.params) };
    }
    case 'diffllama': {
      const { config, tensors } = toDiffLlama(model);
      const configJson = diffLlamaConfigJson(config, {
        maxPositionEmbeddings: model.config.maxContext, torchDtype: TORCH_DTYPES[opts.dtype ?? 'F32'],
        bosTokenId: tokenizer?.bosId, eosTokenId: tokenizer?.eosId,
      });
      // Hugging Face keeps unknown config keys as attributes, so this marker is harmless there.
      return { configJson: ref === 'bytes' ? { ...configJson, diffattn_tokenizer: 'bytes' } : configJson, tensors };
    }
  }
}

/** The official form of a canonical model: interleaved RoPE, and a subln gain on every V1 layer. */
export function toOfficial(m: CanonicalModel): CanonicalModel {
  return unitSublnGain(interleaveRope(m));
}

/** How config.json names a tokenizer; only the byte tokenizer and tokenizer.json ones can be saved. */
export function tokenizerRef(t: Tokenizer | null): TokenizerRef {
  if (t === null) return null;
  if (t instanceof ByteTokenizer) return 'bytes';
  if (t instanceof HfTokenizer) return TOKENIZER_FILE;
  throw new DiffAttnError('unsupported', 'only the byte tokenizer and tokenizer.json tokenizers can be saved in a model folder');
}
