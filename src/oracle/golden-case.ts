/**
 * A golden case: what a golden file asks an implementation to compute, in canonical terms, and
 * how to put the answers back into the file's own names and layouts. Every backend runs the same
 * case, so `ref` and `wasm` are judged identically. Files of other layouts (DiffLlama) are
 * converted here, at load time, never inside a backend.
 */
import { DiffAttnError } from '../errors.js';
import type { F64Tensor, GoldenFile } from '../io/golden.js';
import type { AttentionConfig, DecoderLayerConfig, DiffAttnConfig, DiffAttnV2Config, LMConfig } from '../ref/index.js';
import { parseDiffLlamaCase, type ModelFolderFiles } from './diffllama-case.js';
import { parseOfficialCase } from './official-case.js';

/** The module a case builds, with the reference config it needs. */
export type ModuleSpec =
  | { type: 'diff_v1'; config: DiffAttnConfig }
  | { type: 'diff_v2'; config: DiffAttnV2Config }
  | { type: 'baseline'; config: AttentionConfig }
  | { type: 'decoder'; config: DecoderLayerConfig }
  | { type: 'lm'; config: LMConfig };

/** What to run: a module on x with upstream gradient grad_y, or a language model on token ids. */
export type Task =
  | { type: 'module'; x: F64Tensor; gradY: F64Tensor; rope: { cos: F64Tensor; sin: F64Tensor } }
  | { type: 'lm'; ids: number[]; shape: [number, number]; greedySteps: number };

/** Tensors computed by a backend, by name. */
export type Results = Map<string, F64Tensor>;

export interface GoldenCase {
  kind: string;
  module: ModuleSpec;
  /** The module's parameters under canonical names (converted from the file's layout). */
  params: Map<string, F64Tensor>;
  task: Task;
  /** File tensors that are inputs: parameters, x, grad_y, positions, token ids. */
  inputs: Set<string>;
  /** File tensors checked against values derived from the metadata alone (rope tables, head maps). */
  derived: Map<string, F64Tensor>;
  /** Canonical results (y, grad.x, grad.<canonical param>, intermediates) → the file's names and layouts. */
  toFile(results: Results): Results;
}

/**
 * Reads a golden file into a case, dispatching on its `format` metadata. `folder` carries the
 * companion files of a model folder (config.json, model.safetensors) for model-level cases.
 */
export function parseGoldenCase(f: GoldenFile, folder?: ModelFolderFiles): GoldenCase {
  const format = f.str('format');
  switch (format) {
    case 'diff-transformer-oracle/1':
      return parseOfficialCase(f);
    case 'diffllama-oracle/1':
      return parseDiffLlamaCase(f, folder);
    default:
      throw new DiffAttnError('unsupported', `${f.source}: format '${format}' is not 'diff-transformer-oracle/1' or 'diffllama-oracle/1'`);
  }
}

/** [T, n] tables as an F64Tensor pair, from a reference RopeTables. */
export function asF64(t: { shape: readonly number[]; data: Float64Array }): F64Tensor {
  return { shape: [...t.shape], data: t.data };
}

/** Integer head maps as F64Tensors, for the `derived` checks. */
export function intTensor(values: number[], shape: number[] = [values.length]): F64Tensor {
  return { shape, data: Float64Array.from(values) };
}
