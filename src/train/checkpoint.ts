/**
 * Training checkpoints: a model folder (config.json, model.safetensors, tokenizer) that every
 * diffattn command loads, plus two files only a resumed run reads:
 *
 *   optimizer.safetensors   AdamW's moments `exp_avg.<name>`, `exp_avg_sq.<name>` (F32) and, when
 *                           the weights are stored in a narrower dtype, the float32 master weights
 *                           `param.<name>`; metadata `step` (t of the bias corrections)
 *   trainer.json            the step reached, the options and the batch stream's position
 *
 * Everything a step reads is in these files in float32, so a resumed run repeats the uninterrupted
 * one bit for bit (on the same machine and build).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffAttnError, check } from '../errors.js';
import type { F64Tensor } from '../io/golden.js';
import { readSafetensorsFile } from '../io/read-file.js';
import { toFloat32, writeSafetensors, type SafeTensor } from '../io/safetensors.js';
import type { OptimizerState } from '../engine/model/engine-model.js';
import { parameterShapes, type ModelConfig } from '../model/config.js';
import { loadModelFolder, saveModelFolder, type Tokenizer, type WeightDType } from '../model/index.js';
import type { TrainOptions } from './types.js';

export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const TRAINER_FILE = 'trainer.json';
export const TRAINER_FORMAT = 'diffattn-train/1';

/** What trainer.json holds. */
export interface TrainerState {
  format: typeof TRAINER_FORMAT;
  /** Optimizer steps taken. */
  step: number;
  options: TrainOptions;
  /** `BatchSource.state()` of the training stream after the last step (null before any step). */
  trainSource: unknown;
  /** Wall-clock seconds spent in steps and evaluations so far. */
  wallSeconds: number;
}

export interface CheckpointData {
  config: ModelConfig;
  /** float32 weights by canonical name. */
  params: ReadonlyMap<string, Float32Array>;
  /** Absent: a model folder only (no optimizer.safetensors, no trainer.json), e.g. for shipping. */
  optimizer?: OptimizerState;
  state?: TrainerState;
}

export interface CheckpointWriteOptions {
  /** Dtype of model.safetensors (default F32). */
  dtype?: WeightDType;
  /** The tokenizer the folder names (default none). */
  tokenizer?: Tokenizer | null;
}

/** Writes `data` into `dir` (created if needed); stale optimizer/trainer files are removed. */
export function writeCheckpoint(dir: string, data: CheckpointData, opts: CheckpointWriteOptions = {}): void {
  const dtype = opts.dtype ?? 'F32';
  const shapes = parameterShapes(data.config);
  const params = new Map([...shapes].map(([name, shape]): [string, F64Tensor] => [name, { shape, data: Float64Array.from(data.params.get(name)!) }]));
  saveModelFolder(dir, { config: data.config, params }, { dtype, tokenizer: opts.tokenizer ?? null });
  for (const f of [OPTIMIZER_FILE, TRAINER_FILE]) rmSync(join(dir, f), { force: true });
  if (!data.optimizer || !data.state) return;
  const tensors = new Map<string, SafeTensor>();
  for (const [name, shape] of shapes) {
    tensors.set(`exp_avg.${name}`, { dtype: 'F32', shape, data: data.optimizer.m.get(name)! });
    tensors.set(`exp_avg_sq.${name}`, { dtype: 'F32', shape, data: data.optimizer.v.get(name)! });
    if (dtype !== 'F32') tensors.set(`param.${name}`, { dtype: 'F32', shape, data: data.params.get(name)! });
  }
  writeFileSync(join(dir, OPTIMIZER_FILE), writeSafetensors(tensors, { format: 'diffattn-optimizer/1', step: String(data.optimizer.step) }));
  writeFileSync(join(dir, TRAINER_FILE), `${JSON.stringify(data.state, (_, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
}

/** Reads a checkpoint written by `writeCheckpoint` with its optimizer state; errors name the file. */
export function readCheckpoint(dir: string): Required<CheckpointData> {
  const model = loadModelFolder(dir);
  const optPath = join(dir, OPTIMIZER_FILE), statePath = join(dir, TRAINER_FILE);
  for (const p of [optPath, statePath]) {
    check(existsSync(p), 'missing', () => `${dir}: not a resumable checkpoint: ${p} is missing (a folder saved without optimizer state can be loaded, not resumed)`);
  }
  const state = readTrainerState(dir);
  const file = readSafetensorsFile(optPath);
  const tensor = (key: string): Float32Array => {
    const t = file.tensors.get(key);
    if (!t) throw new DiffAttnError('missing', `${optPath}: tensor '${key}' is missing`);
    check(t.dtype === 'F32', 'dtype', () => `${optPath}: tensor '${key}' must be F32, got ${t.dtype}`);
    return toFloat32(t, key).slice();
  };
  const names = [...parameterShapes(model.config).keys()];
  const master = [...model.dtypes].some((d) => d !== 'F32');
  const params = new Map(names.map((n) => [n, master ? tensor(`param.${n}`) : Float32Array.from(model.params.get(n)!.data)]));
  const step = Number(file.metadata.step);
  check(step === state.step, 'format', () => `${optPath}: metadata step ${file.metadata.step} does not match ${TRAINER_FILE}'s step ${state.step}`);
  const optimizer: OptimizerState = {
    step, m: new Map(names.map((n) => [n, tensor(`exp_avg.${n}`)])), v: new Map(names.map((n) => [n, tensor(`exp_avg_sq.${n}`)])),
  };
  return { config: model.config, params, optimizer, state };
}

/** The trainer.json of checkpoint `dir`, validated. */
export function readTrainerState(dir: string): TrainerState {
  const path = join(dir, TRAINER_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'), (_, v) => (v === 'Infinity' ? Infinity : v));
  } catch (e) {
    throw new DiffAttnError(existsSync(path) ? 'format' : 'missing', `${path}: cannot read (${(e as Error).message})`);
  }
  const s = json as Partial<TrainerState> | null;
  check(s?.format === TRAINER_FORMAT, 'format', () => `${path}: 'format' must be "${TRAINER_FORMAT}", got ${JSON.stringify(s?.format)}`);
  check(Number.isSafeInteger(s.step) && s.step! >= 0, 'format', () => `${path}: 'step' must be an integer ≥ 0, got ${JSON.stringify(s.step)}`);
  check(typeof s.options === 'object' && s.options !== null, 'format', () => `${path}: 'options' must be an object`);
  check(typeof s.wallSeconds === 'number', 'format', () => `${path}: 'wallSeconds' must be a number`);
  return s as TrainerState;
}
