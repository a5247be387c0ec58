/**
 * `parseModelFolder`: the files of a model folder already in memory (config.json parsed,
 * model.safetensors as bytes, tokenizer.json as text) → canonical config, float64 parameters under
 * canonical names, and the tokenizer. No Node imports, so browsers and serverless runtimes can get
 * the bytes however they like (fetch, a bundle, a key-value store) and parse them here;
 * `loadModelFolder` (folder-read.ts) and `fetchModelFolder` (folder-fetch.ts) are thin readers on
 * top. Every error is a `DiffAttnError` naming the file and the key, weight or field at fault.
 */
import { check, DiffAttnError } from '../errors.js';
import type { F64Tensor } from '../io/golden.js';
import { readSafetensors, toFloat64 } from '../io/safetensors.js';
import { resolveConfig, type ModelConfig } from './config.js';
import { parseDiffattnConfig } from './folder-config-diffattn.js';
import { parseOfficialConfig } from './folder-config-official.js';
import { JsonFields } from './folder-json.js';
import {
  CONFIG_FILE, TOKENIZER_FILE, WEIGHT_DTYPES, WEIGHTS_FILE, detectLayout, type LoadedModel, type TokenizerRef,
} from './folder.js';
import { diffLlamaModel, parseDiffLlamaConfig } from './layouts/diffllama-model.js';
import { gatherParams } from './layouts/row-gather.js';
import { checkParams, type Params } from './params.js';
import { ByteTokenizer } from './tokenizer/bytes.js';
import { HfTokenizer } from './tokenizer/hf.js';
import { checkTokenizerFits, type Tokenizer } from './tokenizer/tokenizer.js';

/** A model folder's files, in memory. */
export interface ModelFolderFiles {
  /** config.json, parsed. */
  config: unknown;
  /** The bytes of model.safetensors. */
  weights: Uint8Array;
  /** The text of tokenizer.json, when the folder has one. */
  tokenizer?: string;
  /** The text of tokenizer_config.json, when the folder has one. */
  tokenizerConfig?: string;
}

/** How error messages name the folder and its files: a directory, a URL, or any label. */
export interface FolderNames {
  dir: string;
  path(file: string): string;
}

/** Whether a folder needs its tokenizer.json: 'required' (config.json names it), 'if-present' (DiffLlama), 'unused'. */
export type TokenizerFileNeed = 'required' | 'if-present' | 'unused';

/** Names files `dir/file`, as a URL or a POSIX path would. */
export function folderNames(dir: string): FolderNames {
  return { dir, path: (file) => `${dir.replace(/\/+$/, '')}/${file}` };
}

/**
 * Whether a folder with this parsed config.json needs tokenizer.json, so a reader fetches only
 * what is used. A DiffLlama folder's tokenizer is whatever tokenizer.json is there, if any.
 */
export function tokenizerFileNeed(config: unknown, source = CONFIG_FILE): TokenizerFileNeed {
  if (detectLayout(config, source) === 'diffllama') return 'if-present';
  return (config as Record<string, unknown>).tokenizer === TOKENIZER_FILE ? 'required' : 'unused';
}

/** Parses a model folder's files (see folder.ts for the flavours and docs/models.md for the files). */
export function parseModelFolder(files: ModelFolderFiles, names: FolderNames = folderNames('.')): LoadedModel {
  const configPath = names.path(CONFIG_FILE);
  const json = files.config;
  const layout = detectLayout(json, configPath);
  const weightsPath = names.path(WEIGHTS_FILE);
  const { weights, dtypes } = parseWeights(files.weights, weightsPath);
  let config: ModelConfig;
  let params: Params;
  let tokenizerRef: TokenizerRef;
  let special: SpecialIds = {};
  if (layout === 'diffllama') {
    ({ config, params, tokenizerRef, special } = parseDiffLlama(json, configPath, files.tokenizer !== undefined, weights, weightsPath));
  } else {
    ({ config, tokenizer: tokenizerRef } = layout === 'diffattn' ? parseDiffattnConfig(json, configPath) : parseOfficialConfig(json, configPath));
    params = weights;
    checkParams(config, params, weightsPath);
  }
  const tokenizer = parseTokenizer(files, names, tokenizerRef, special);
  if (tokenizer) checkTokenizerFits(tokenizer, config.vocabSize, names.dir);
  return { config, params, layout, tokenizer, dtypes };
}

/**
 * Parses the text of config.json; a 'format' error naming `source` when it is not JSON. (Readers
 * share it so the message is the same wherever the text came from.)
 */
export function parseConfigText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DiffAttnError('format', `${source}: not valid JSON (${(e as Error).message})`);
  }
}

/** Special ids a config.json may give for a tokenizer whose own files do not. */
interface SpecialIds {
  bosId?: number;
  eosId?: number;
}

/** model.safetensors as float64 tensors, refusing dtypes that are not weights. */
function parseWeights(bytes: Uint8Array, weightsPath: string): { weights: Map<string, F64Tensor>; dtypes: Set<string> } {
  const file = inFile(weightsPath, () => readSafetensors(bytes));
  const weights = new Map<string, F64Tensor>();
  const dtypes = new Set<string>();
  for (const [name, t] of file.tensors) {
    check((WEIGHT_DTYPES as readonly string[]).includes(t.dtype), 'dtype', () =>
      `${weightsPath}: weight '${name}' has dtype ${t.dtype}; weights must be ${WEIGHT_DTYPES.join(', ')}`);
    dtypes.add(t.dtype);
    weights.set(name, { shape: [...t.shape], data: toFloat64(t, name) });
  }
  return { weights, dtypes };
}

/** A DiffLlama folder through the import layout (layouts/diffllama-model.ts). */
function parseDiffLlama(json: unknown, configPath: string, hasTokenizerFile: boolean, weights: Map<string, F64Tensor>, weightsPath: string):
{ config: ModelConfig; params: Params; tokenizerRef: TokenizerRef; special: SpecialIds } {
  const cfg = parseDiffLlamaConfig(json, configPath);
  const f = new JsonFields(configPath, json);
  const maxContext = f.int('max_position_embeddings', 2048);
  const m = diffLlamaModel(cfg);
  const unknown = [...weights.keys()].filter((n) => !m.sourceShapes.has(n));
  check(unknown.length === 0, 'unknown', () => `${weightsPath}: unknown weights ${unknown.map((n) => `'${n}'`).join(', ')}`);
  const params = inFile(weightsPath, () => gatherParams(m.layout, weights, m.sourceShapes));
  const tokenizerRef = hasTokenizerFile ? TOKENIZER_FILE
    : f.has('diffattn_tokenizer') ? f.oneOf('diffattn_tokenizer', ['bytes']) : null;
  return {
    config: inFile(configPath, () => resolveConfig({ ...m.config, maxContext })), params, tokenizerRef,
    special: { bosId: specialId(f, 'bos_token_id'), eosId: specialId(f, 'eos_token_id') },
  };
}

// Hugging Face allows a list of eos ids; the tokenizer interface has one, so the first is used.
function specialId(f: JsonFields, key: string): number | undefined {
  const v = f.raw(key);
  const id = Array.isArray(v) ? v[0] : v;
  if (id === undefined) return undefined;
  if (!Number.isSafeInteger(id) || id < 0) f.bad(key, 'a non-negative integer (or a list of them)');
  return id as number;
}

function parseTokenizer(files: ModelFolderFiles, names: FolderNames, ref: TokenizerRef, special: SpecialIds): Tokenizer | null {
  if (ref === null) return null;
  if (ref === 'bytes') return new ByteTokenizer();
  const path = names.path(TOKENIZER_FILE);
  check(files.tokenizer !== undefined, 'missing', () => `${path} is missing (config.json names tokenizer.json)`);
  return HfTokenizer.fromText(files.tokenizer, files.tokenizerConfig, special, path);
}

/** Runs `fn`, prefixing the message of a `DiffAttnError` it throws with `path` unless it names it already. */
function inFile<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof DiffAttnError) || e.message.includes(path)) throw e;
    throw new DiffAttnError(e.code, `${path}: ${e.message}`);
  }
}
