/**
 * The model folder the example tests run on: the bundled models/moby-diff when it is there, else a
 * tiny random diffattn folder in a temporary directory with the bundled model's format (byte
 * tokenizer, F16 weights). The bundled model is trained separately and lands in the repository
 * after these tests were written, so they pass without it and run on it once it exists.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';
import { resolveConfig } from '../../src/model/config.js';
import { saveModelFolder } from '../../src/model/folder-write.js';
import { fromRefModel } from '../../src/model/ref-model.js';
import { ByteTokenizer } from '../../src/model/tokenizer/bytes.js';
import { DiffTransformerLM, Rng } from '../../src/ref/index.js';

export const BUNDLED_MODEL_DIR = resolve(import.meta.dirname, '../../models/moby-diff');

/** models/moby-diff, or a tiny random folder (removed after the test file). */
export function exampleModelDir(): string {
  if (existsSync(join(BUNDLED_MODEL_DIR, 'config.json'))) return BUNDLED_MODEL_DIR;
  const dir = mkdtempSync(join(tmpdir(), 'diffattn-example-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const lm = { attention: 'diff_v1' as const, vocabSize: 256, dModel: 32, numLayers: 2, numHeads: 2, numKvHeads: 2, ffnHidden: 64 };
  const model = { ...fromRefModel(new DiffTransformerLM(lm, new Rng(7))), config: resolveConfig({ ...lm, maxContext: 96 }) };
  saveModelFolder(dir, model, { dtype: 'F16', tokenizer: new ByteTokenizer() });
  return dir;
}
