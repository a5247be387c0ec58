/**
 * `loadModelFolder`: a model folder of any flavour (folder.ts) → canonical config, float64
 * parameters under canonical names, and the tokenizer. Everything is checked before it is used:
 * every error is a `DiffAttnError` naming the file and the key, weight or field at fault.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffAttnError, check } from '../errors.js';
import type { F64Tensor } from '../io/golden.js';
import { readSafetensorsFile } from '../io/read-file.js';
import { toFloat64 } from '../io/safetensors.js';
import { resolveConfig, type ModelConfig } from './config.js';
import { parseDiffattnConfig } from './folder-config-diffattn.js';
import { parseOfficialConfig } from './folder-config-official.js';
import { JsonFields } from './folder-json.js';
import {
  CONFIG_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, WEIGHT_DTYPES, WEIGHTS_FILE, detectLayout, type LoadedModel, type TokenizerRef,
} from './folder.js';
import { diffLlamaModel, parseDiffLlamaConfig } from './layouts/diffllama-model.js';
import { gatherParams } from './layouts/row-gather.js';
import { checkParams, type Params } from './params.js';
import { ByteTokenizer } from './tokenizer/bytes.js';
import { HfTokenizer } from './tokenizer/hf.js';
import { checkTokenizerFits, type Tokenizer } from './tokenizer/tokenizer.js';

/** Special ids a config.json may give for a tokenizer whose own files do not. */
interface SpecialIds {
  bosId?: number;
  eosId?: number;
}

/** Loads the model folder `dir` (see folder.ts for the flavours and docs/models.md for the files). */
export function loadModelFolder(dir: string): LoadedModel {
  const configPath = join(dir, CONFIG_FILE);
  const json = readJson(configPath);
  const layout = detectLayout(json, configPath);
  const { weights, dtypes, weightsPath } = readWeights(dir);
  let config: ModelConfig;
  let params: Params;
  let tokenizerRef: TokenizerRef;
  let special: SpecialIds = {};
  if (layout === 'diffllama') {
    ({ config, params, tokenizerRef, special } = readDiffLlama(dir, json, configPath, weights, weightsPath));
  } else {
    ({ config, tokenizer: tokenizerRef } = layout === 'diffattn' ? parseDiffattnConfig(json, configPath) : parseOfficialConfig(json, configPath));
    params = weights;
    checkParams(config, params, weightsPath);
  }
  const tokenizer = loadTokenizer(dir, tokenizerRef, special);
  if (tokenizer) checkTokenizerFits(tokenizer, config.vocabSize, dir);
  return { config, params, layout, tokenizer, dtypes };
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DiffAttnError('missing', `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DiffAttnError('format', `${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** model.safetensors as float64 tensors, refusing dtypes that are not weights. */
function readWeights(dir: string): { weights: Map<string, F64Tensor>; dtypes: Set<string>; weightsPath: string } {
  const weightsPath = join(dir, WEIGHTS_FILE);
  if (!existsSync(weightsPath) && existsSync(`${weightsPath}.index.json`)) {
    throw new DiffAttnError('unsupported', `${dir}: sharded checkpoints (${WEIGHTS_FILE}.index.json) are not supported; merge the shards into one ${WEIGHTS_FILE}`);
  }
  const file = inFile(weightsPath, () => readSafetensorsFile(weightsPath));
  const weights = new Map<string, F64Tensor>();
  const dtypes = new Set<string>();
  for (const [name, t] of file.tensors) {
    check((WEIGHT_DTYPES as readonly string[]).includes(t.dtype), 'dtype', () =>
      `${weightsPath}: weight '${name}' has dtype ${t.dtype}; weights must be ${WEIGHT_DTYPES.join(', ')}`);
    dtypes.add(t.dtype);
    weights.set(name, { shape: [...t.shape], data: toFloat64(t, name) });
  }
  return { weights, dtypes, weightsPath };
}

/** A DiffLlama folder through the import layout (layouts/diffllama-model.ts). */
function readDiffLlama(dir: string, json: unknown, configPath: string, weights: Map<string, F64Tensor>, weightsPath: string):
{ config: ModelConfig; params: Params; tokenizerRef: TokenizerRef; special: SpecialIds } {
  const cfg = parseDiffLlamaConfig(json, configPath);
  const f = new JsonFields(configPath, json);
  const maxContext = f.int('max_position_embeddings', 2048);
  const m = diffLlamaModel(cfg);
  const unknown = [...weights.keys()].filter((n) => !m.sourceShapes.has(n));
  check(unknown.length === 0, 'unknown', () => `${weightsPath}: unknown weights ${unknown.map((n) => `'${n}'`).join(', ')}`);
  const params = inFile(weightsPath, () => gatherParams(m.layout, weights, m.sourceShapes));
  const tokenizerRef = existsSync(join(dir, TOKENIZER_FILE)) ? TOKENIZER_FILE
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

function loadTokenizer(dir: string, ref: TokenizerRef, special: SpecialIds): Tokenizer | null {
  if (ref === null) return null;
  if (ref === 'bytes') return new ByteTokenizer();
  const path = join(dir, TOKENIZER_FILE);
  const text = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      throw new DiffAttnError('missing', `cannot read ${p} (config.json names tokenizer.json): ${(e as Error).message}`);
    }
  };
  const configPath = join(dir, TOKENIZER_CONFIG_FILE);
  return HfTokenizer.fromText(text(path), existsSync(configPath) ? text(configPath) : undefined, special, path);
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
