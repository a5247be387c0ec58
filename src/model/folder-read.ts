/**
 * `loadModelFolder`: a model folder of any flavour (folder.ts) read from disk → canonical config,
 * float64 parameters under canonical names, and the tokenizer. Only the reading is here (Node's
 * fs); the parsing and every check are `parseModelFolder`'s (folder-parse.ts), which browsers use
 * on fetched bytes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffAttnError } from '../errors.js';
import { CONFIG_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE, type LoadedModel } from './folder.js';
import { parseConfigText, parseModelFolder, tokenizerFileNeed, type ModelFolderFiles } from './folder-parse.js';

/** Loads the model folder `dir` (see folder.ts for the flavours and docs/models.md for the files). */
export function loadModelFolder(dir: string): LoadedModel {
  const path = (file: string): string => join(dir, file);
  const configPath = path(CONFIG_FILE);
  const config = parseConfigText(readText(configPath), configPath);
  const weightsPath = path(WEIGHTS_FILE);
  if (!existsSync(weightsPath) && existsSync(`${weightsPath}.index.json`)) {
    throw new DiffAttnError('unsupported', `${dir}: sharded checkpoints (${WEIGHTS_FILE}.index.json) are not supported; merge the shards into one ${WEIGHTS_FILE}`);
  }
  const files: ModelFolderFiles = { config, weights: readBytes(weightsPath) };
  const need = tokenizerFileNeed(config, configPath);
  if (need === 'required' || (need === 'if-present' && existsSync(path(TOKENIZER_FILE)))) {
    files.tokenizer = readText(path(TOKENIZER_FILE), need === 'required' ? ' (config.json names tokenizer.json)' : '');
    if (existsSync(path(TOKENIZER_CONFIG_FILE))) files.tokenizerConfig = readText(path(TOKENIZER_CONFIG_FILE));
  }
  return parseModelFolder(files, { dir, path });
}

function readText(path: string, why = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new DiffAttnError('missing', `cannot read ${path}${why}: ${(e as Error).message}`);
  }
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new DiffAttnError('missing', `cannot read safetensors file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}
