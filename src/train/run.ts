/**
 * A paired run on text, as `diffattn train` does it: one output folder, a `run.json` describing
 * the run, and one subfolder per arm (a resumable checkpoint plus its `train.jsonl`). The arms
 * train one after another from `pairedInit` on identical batch streams (same seed).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DiffAttnError, check } from '../errors.js';
import { ByteTokenizer, parameterCount, type ModelConfig, type WeightDType } from '../model/index.js';
import { MOBY_DICK, loadCorpus } from './corpus.js';
import { splitCorpus, textBatches } from './data.js';
import { JSONL_LOG_FILE, JsonlLog, readLog } from './log.js';
import { trainOptions } from './options.js';
import { ARM_ATTENTION, ARMS, pairedInit, type Arm, type ModelSize } from './paired.js';
import { Trainer, type EngineLoad } from './trainer.js';
import { readTrainerState, TRAINER_FILE } from './checkpoint.js';
import type { StepRecord, TrainOptions } from './types.js';

export const RUN_FILE = 'run.json';
export const RUN_FORMAT = 'diffattn-run/1';
/** Bytes of vocabulary: the runs are byte-level. */
const BYTE_VOCAB = 256;

/** Everything that defines a paired text run (what run.json holds). */
export interface RunSpec {
  /** 'moby-dick' or a file path (stored absolute). */
  corpus: string;
  /** Share of the corpus (its tail) held out for validation. */
  valFraction: number;
  arms: Arm[];
  /** DIFF V1's size; vocabulary 256 and maxContext = options.context are implied. */
  size: Omit<ModelSize, 'vocabSize' | 'maxContext'>;
  options: TrainOptions;
  /** Dtype of each arm's model.safetensors (the optimizer file keeps float32 masters). */
  dtype: WeightDType;
}

/** The end of one arm, read back from its log and checkpoint. */
export interface ArmSummary {
  arm: Arm;
  attention: string;
  folder: string;
  parameters: number;
  steps: number;
  /** Mean training loss over the last (up to) 10 steps: one step's loss is a noisy estimate. */
  trainLoss: number;
  /** The last evaluation's validation loss (null when none ran). */
  valLoss: number | null;
  /** Tokens over the time spent in training steps (evaluations excluded). */
  tokensPerSec: number;
  /** Wall-clock seconds of the arm, evaluations included, across resumes. */
  wallSeconds: number;
}

export interface RunHooks {
  /** An arm starts (or resumes) at step `from` of `to`. */
  onArmStart?(arm: Arm, from: number, to: number): void;
  onStep?(arm: Arm, rec: StepRecord): void;
  onArmEnd?(summary: ArmSummary): void;
}

export interface RunOptions {
  /** Also checkpoint every this many steps (0: only at the end of each arm). */
  saveEvery?: number;
  hooks?: RunHooks;
  engine?: EngineLoad;
}

/** Starts a run in `out` (created; an existing run.json there is an error: resume it instead). */
export async function startRun(out: string, spec: RunSpec, opts: RunOptions = {}): Promise<ArmSummary[]> {
  check(!existsSync(join(out, RUN_FILE)), 'value', () => `${out} already holds a run (${RUN_FILE}); resume it with --resume ${out} or choose another --out`);
  const full: RunSpec = { ...spec, corpus: spec.corpus === MOBY_DICK ? MOBY_DICK : resolve(spec.corpus), options: trainOptions(spec.options) };
  const data = corpusSplits(full);
  const inits = pairedInit(full.arms, { ...full.size, vocabSize: BYTE_VOCAB, maxContext: full.options.context }, full.options.seed);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, RUN_FILE), `${JSON.stringify({ format: RUN_FORMAT, ...full }, (_, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
  const summaries: ArmSummary[] = [];
  for (const { arm, config, params } of inits) {
    const folder = join(out, arm);
    mkdirSync(folder, { recursive: true });
    const log = new JsonlLog(join(folder, JSONL_LOG_FILE));
    const trainer = await Trainer.create(config, params, full.options, armHooks(arm, log, opts), opts.engine);
    summaries.push(await trainArm(trainer, arm, folder, full, data, opts));
  }
  return summaries;
}

/**
 * Continues the run in `out` from each arm's checkpoint (arms already at their last step are only
 * summarised). `steps` extends the run (the cosine schedule stretches to the new length, so the
 * continuation is no longer the run a larger --steps would have made from the start).
 */
export async function resumeRun(out: string, change: { steps?: number } = {}, opts: RunOptions = {}): Promise<ArmSummary[]> {
  const spec = readRunSpec(out);
  const options = trainOptions({ ...spec.options, ...(change.steps === undefined ? {} : { steps: change.steps }) });
  const full = { ...spec, options };
  const data = corpusSplits(full);
  const summaries: ArmSummary[] = [];
  for (const arm of spec.arms) {
    const folder = join(out, arm);
    check(existsSync(join(folder, TRAINER_FILE)), 'missing', () =>
      `${folder}: no checkpoint to resume (${TRAINER_FILE} is missing; the run stopped before this arm saved one — start a new run)`);
    const train = textBatches(data.train, options.seed);
    const at = readTrainerState(folder).step;
    const log = new JsonlLog(join(folder, JSONL_LOG_FILE), at);
    const trainer = await Trainer.resume(folder, { options: { steps: options.steps }, hooks: armHooks(arm, log, opts), train, engine: opts.engine });
    summaries.push(await trainArm(trainer, arm, folder, full, data, opts, train));
  }
  return summaries;
}

/** The run.json of `out`, validated. */
export function readRunSpec(out: string): RunSpec {
  const path = join(out, RUN_FILE);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'), (_, v) => (v === 'Infinity' ? Infinity : v));
  } catch (e) {
    throw new DiffAttnError('missing', `cannot read the run description ${path}: ${(e as Error).message}`);
  }
  check(json?.format === RUN_FORMAT, 'format', () => `${path}: 'format' must be "${RUN_FORMAT}", got ${JSON.stringify(json?.format)}`);
  const arms = json.arms as unknown[];
  check(Array.isArray(arms) && arms.length > 0 && arms.every((a) => (ARMS as readonly unknown[]).includes(a)), 'format', () =>
    `${path}: 'arms' must be a non-empty list of ${ARMS.join(', ')}`);
  return { corpus: json.corpus as string, valFraction: json.valFraction as number, arms: arms as Arm[], size: json.size as RunSpec['size'],
    options: trainOptions(json.options as TrainOptions), dtype: json.dtype as WeightDType };
}

/** An arm's summary from its folder's log and checkpoint. */
export function summarizeArm(folder: string, arm: Arm, config: ModelConfig, batchTokens: number): ArmSummary {
  const log = readLog(join(folder, JSONL_LOG_FILE));
  check(log.length > 0, 'missing', () => `${join(folder, JSONL_LOG_FILE)} holds no steps`);
  const last = log.slice(-10);
  const evals = log.filter((r) => r.valLoss !== undefined);
  const stepSeconds = log.reduce((s, r) => s + batchTokens / r.tokensPerSec, 0);
  return {
    arm, attention: ARM_ATTENTION[arm], folder, parameters: parameterCount(config), steps: log[log.length - 1].step,
    trainLoss: last.reduce((s, r) => s + r.loss, 0) / last.length, valLoss: evals.length > 0 ? evals[evals.length - 1].valLoss! : null,
    tokensPerSec: (log.length * batchTokens) / stepSeconds, wallSeconds: log[log.length - 1].elapsedSec ?? 0,
  };
}

type Splits = { train: Uint8Array; val: Uint8Array };

// The corpus split, checked to hold a window of context + 1 bytes on each side before anything runs.
function corpusSplits(spec: RunSpec): Splits {
  const splits = splitCorpus(loadCorpus(spec.corpus), spec.valFraction);
  const T = spec.options.context;
  for (const side of ['train', 'val'] as const) {
    check(splits[side].length > T, 'value', () =>
      `context (${T}) needs windows of ${T + 1} bytes, but the ${side === 'train' ? 'training' : 'validation'} split of '${spec.corpus}' holds ${splits[side].length} bytes`);
  }
  return splits;
}

function armHooks(arm: Arm, log: JsonlLog, opts: RunOptions): { onStep(rec: StepRecord): void } {
  return {
    onStep: (rec) => {
      log.append(rec);
      opts.hooks?.onStep?.(arm, rec);
    },
  };
}

// Steps `trainer` to the end of the run, checkpointing every `saveEvery` steps and at the end.
async function trainArm(trainer: Trainer, arm: Arm, folder: string, spec: RunSpec, data: Splits, opts: RunOptions,
  train = textBatches(data.train, spec.options.seed)): Promise<ArmSummary> {
  const o = trainer.options;
  const val = textBatches(data.val, o.seed + 1);
  const save = (): void => trainer.saveCheckpoint(folder, { dtype: spec.dtype, tokenizer: new ByteTokenizer() });
  opts.hooks?.onArmStart?.(arm, trainer.stepsTaken, o.steps);
  while (trainer.stepsTaken < o.steps) {
    trainer.step(train, val);
    if (opts.saveEvery && trainer.stepsTaken % opts.saveEvery === 0 && trainer.stepsTaken < o.steps) save();
  }
  save();
  const summary = summarizeArm(folder, arm, trainer.config, o.batch * o.context);
  opts.hooks?.onArmEnd?.(summary);
  return summary;
}
