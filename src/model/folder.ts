/**
 * Model folders: `config.json` + `model.safetensors` (+ a tokenizer), in one of three flavours
 * told apart by `config.json` alone (see docs/models.md):
 *
 * - `diffattn`: `"format": "diffattn/1"` and every `ModelConfig` field; weights under canonical names.
 * - `official`: `"attention_module"` names the Microsoft module; its constructor arguments in
 *   snake_case plus what the official code leaves to the caller; canonical weight names.
 * - `diffllama`: a Hugging Face DiffLlama checkpoint (`"model_type": "diffllama"`).
 */
import { check } from '../errors.js';
import type { ModelConfig } from './config.js';
import type { Params } from './params.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

export const FOLDER_LAYOUTS = ['diffattn', 'official', 'diffllama'] as const;
export type FolderLayout = (typeof FOLDER_LAYOUTS)[number];

/** Float dtypes a model's weights may be stored in. */
export const WEIGHT_DTYPES = ['F64', 'F32', 'F16', 'BF16'] as const;
export type WeightDType = (typeof WEIGHT_DTYPES)[number];

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

/** What a folder's config.json says about the tokenizer: none, the byte tokenizer, or tokenizer.json. */
export type TokenizerRef = 'bytes' | typeof TOKENIZER_FILE | null;

/** A model in memory, independent of any folder flavour. */
export interface ModelData {
  config: ModelConfig;
  params: Params;
  tokenizer?: Tokenizer | null;
}

/** What `loadModelFolder` returns. */
export interface LoadedModel extends ModelData {
  /** The flavour the folder was in. */
  layout: FolderLayout;
  tokenizer: Tokenizer | null;
  /** The dtypes the weights were stored in (converted to float64 in `params`). */
  dtypes: Set<string>;
}

/** The flavour of a folder from its parsed config.json. */
export function detectLayout(json: unknown, source: string): FolderLayout {
  check(typeof json === 'object' && json !== null && !Array.isArray(json), 'format', () => `${source}: expected a JSON object`);
  const c = json as Record<string, unknown>;
  if (Object.hasOwn(c, 'format')) {
    check(c.format === 'diffattn/1', 'unsupported', () => `${source}: 'format' ${JSON.stringify(c.format)} is not supported (expected "diffattn/1")`);
    return 'diffattn';
  }
  if (Object.hasOwn(c, 'model_type')) {
    check(c.model_type === 'diffllama', 'unsupported', () =>
      `${source}: 'model_type' ${JSON.stringify(c.model_type)} is not supported (only "diffllama" among Hugging Face models)`);
    return 'diffllama';
  }
  check(Object.hasOwn(c, 'attention_module'), 'format', () =>
    `${source}: cannot tell the folder's flavour: expected "format": "diffattn/1", "model_type": "diffllama" or an official "attention_module"`);
  return 'official';
}
