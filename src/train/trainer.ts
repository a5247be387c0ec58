/**
 * The training loop on the WebAssembly engine: per step, `microBatches` forward/backward passes
 * whose gradients add up to the gradient of the whole batch's mean loss, global-norm clipping, one
 * AdamW step at the scheduled learning rate; evaluation on held-out batches every `evalEvery`
 * steps; checkpoints that resume bit for bit. UI-free: progress goes out through `hooks.onStep`.
 *
 *   const t = await Trainer.create(config, params, { steps: 200 }, { onStep: (r) => console.log(r.loss) });
 *   const result = await t.run(textBatches(train, seed), textBatches(val, seed + 1));
 *   t.saveCheckpoint('out/diff');
 */
import { DiffAttnError, check } from '../errors.js';
import { EngineModel, type ParamSource } from '../engine/model/engine-model.js';
import type { LoadWasmOptions, WasmModule } from '../engine/wasm.js';
import { IGNORE_INDEX } from '../engine/kernels/index.js';
import type { ModelConfig } from '../model/config.js';
import { readCheckpoint, writeCheckpoint, type CheckpointWriteOptions } from './checkpoint.js';
import { lambdaParamNames, layerLambdas } from '../model/lambda.js';
import { trainOptions } from './options.js';
import { lrAt } from './schedule.js';
import type { Batch, BatchSource, StepRecord, TrainOptions, TrainResult } from './types.js';

/** Callbacks of a run (the CLI's progress bar and JSONL log hang here). */
export interface TrainHooks {
  /** After every step, with its record (valLoss set on evaluation steps). */
  onStep?(rec: StepRecord): void;
}

/**
 * How the engine is loaded: the loader's options, or a loaded module no other live model uses (two
 * models in one module would plan their memory over each other).
 */
export type EngineLoad = LoadWasmOptions & { wasm?: WasmModule };

export interface SaveCheckpointOptions extends CheckpointWriteOptions {
  /** Write the optimizer state and trainer.json (default true); false gives a plain model folder. */
  optimizer?: boolean;
}

export interface ResumeOptions {
  /** Options to change (e.g. a larger `steps` to train on); the rest come from the checkpoint. */
  options?: Partial<TrainOptions>;
  hooks?: TrainHooks;
  /** Restored to the checkpoint's position in the training stream. */
  train?: BatchSource;
  engine?: EngineLoad;
}

export class Trainer {
  /** The records of the steps this trainer took (not those before a resume). */
  readonly log: StepRecord[] = [];
  /** The training stream's position at the checkpoint this trainer resumed from (null otherwise). */
  readonly savedSource: unknown;
  private stepsDone: number;
  private wallSeconds: number;
  private trainSource: BatchSource | null = null;
  private readonly lambdaNames: string[];

  private constructor(
    private readonly model: EngineModel,
    /** The validated options of the run. */
    readonly options: TrainOptions,
    private readonly hooks: TrainHooks,
    start: { step: number; wallSeconds: number; trainSource: unknown },
  ) {
    this.stepsDone = start.step;
    this.wallSeconds = start.wallSeconds;
    this.savedSource = start.trainSource;
    const c = model.config;
    this.lambdaNames = c.attention === 'diff_v1' ? Array.from({ length: c.numLayers }, (_, l) => lambdaParamNames(l)).flat() : [];
  }

  /**
   * A trainer for `config` starting from `params` (every parameter, canonical names). Options are
   * completed with the defaults and validated (`trainOptions`); the context must fit the model's
   * maxContext. The engine is planned for batch / microBatches sequences of `context` tokens.
   */
  static async create(config: ModelConfig, params: ParamSource, opts: Partial<TrainOptions> = {}, hooks: TrainHooks = {}, engine: EngineLoad = {}): Promise<Trainer> {
    const options = trainOptions(opts);
    const model = await Trainer.engineFor(config, options, engine);
    model.loadParams(params);
    return new Trainer(model, options, hooks, { step: 0, wallSeconds: 0, trainSource: null });
  }

  /**
   * A trainer continuing the checkpoint in `dir` (written by `saveCheckpoint` with the optimizer
   * state): weights, AdamW moments and step, options and, if `opts.train` is given, the position of
   * the training stream. With unchanged options the run continues exactly as if never stopped.
   */
  static async resume(dir: string, opts: ResumeOptions = {}): Promise<Trainer> {
    const ck = readCheckpoint(dir);
    const options = trainOptions({ ...ck.state.options, ...opts.options });
    const model = await Trainer.engineFor(ck.config, options, opts.engine ?? {});
    model.loadParams(new Map([...ck.params].map(([n, data]) => [n, { shape: [data.length], data }])));
    model.loadOptimizerState(ck.optimizer);
    if (opts.train && ck.state.trainSource !== null) opts.train.restore(ck.state.trainSource);
    return new Trainer(model, options, opts.hooks ?? {}, ck.state);
  }

  private static async engineFor(config: ModelConfig, o: TrainOptions, load: EngineLoad): Promise<EngineModel> {
    check(o.context <= config.maxContext, 'value', () => `Trainer: context (${o.context}) must be ≤ the model's maxContext (${config.maxContext})`);
    return EngineModel.create(config, { batch: o.batch / o.microBatches, maxContext: o.context, training: true }, load);
  }

  /** The engine model being trained (its `attentionMaps`/`hiddenStates` show the last forward). */
  get engine(): EngineModel {
    return this.model;
  }

  get config(): ModelConfig {
    return this.model.config;
  }

  /** Optimizer steps taken so far (including those before a resume). */
  get stepsTaken(): number {
    return this.stepsDone;
  }

  /**
   * One optimizer step on the next batch of `train`: its `microBatches` micro-batches are drawn,
   * each one's gradient is scaled by its share of the batch's counted targets, so their sum is the
   * gradient of the batch's mean loss; then clipping and AdamW at `lrAt(step)`. With `val`, the
   * record carries the validation loss on evaluation steps (every `evalEvery`, and the last).
   */
  step(train: BatchSource, val?: BatchSource): StepRecord {
    const o = this.options;
    const start = performance.now();
    const micro = this.draw(train, o.microBatches);
    const counts = micro.map((m) => counted(m.targets));
    const total = counts.reduce((s, c) => s + c, 0);
    check(total > 0, 'value', () => `Trainer: every target of the batch at step ${this.stepsDone + 1} is the ignore index ${IGNORE_INDEX}`);
    let lossSum = 0;
    let accumulate = false;
    micro.forEach((m, i) => {
      if (counts[i] === 0) return;
      lossSum += counts[i] * this.model.loss(m.ids, m.targets, this.microBatch, o.context, { scale: counts[i] / total });
      this.model.backward({ accumulate });
      accumulate = true;
    });
    const lr = lrAt(this.stepsDone, o);
    const { gradNorm } = this.model.step({
      lr, weightDecay: o.weightDecay, beta1: o.beta1, beta2: o.beta2, maxGradNorm: Number.isFinite(o.maxGradNorm) ? o.maxGradNorm : undefined,
    });
    const seconds = (performance.now() - start) / 1000;
    this.stepsDone++;
    this.trainSource = train;
    const loss = lossSum / total;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      throw new DiffAttnError('value', `Trainer: training diverged at step ${this.stepsDone} (loss ${loss}, gradient norm ${gradNorm}); lower lr (${o.lr}) or maxGradNorm (${o.maxGradNorm})`);
    }
    const rec: StepRecord = { step: this.stepsDone, loss, lr, gradNorm, tokensPerSec: (o.batch * o.context) / seconds };
    const lambda = layerLambdas(this.config, this.model.exportParams(this.lambdaNames));
    if (lambda) rec.lambda = lambda;
    if (val && this.evaluationDue()) rec.valLoss = this.evaluate(val);
    this.wallSeconds += (performance.now() - start) / 1000;
    rec.elapsedSec = this.wallSeconds;
    this.log.push(rec);
    this.hooks.onStep?.(rec);
    return rec;
  }

  /**
   * Mean loss per counted target over `evalBatches` batches of `val` (no gradient step). The
   * source is put back where it was, so every evaluation scores the same held-out batches.
   */
  evaluate(val: BatchSource): number {
    const o = this.options;
    const saved = val.state();
    let sum = 0, total = 0;
    for (const m of this.draw(val, o.evalBatches * o.microBatches)) {
      const c = counted(m.targets);
      if (c > 0) sum += c * this.model.loss(m.ids, m.targets, this.microBatch, o.context);
      total += c;
    }
    val.restore(saved);
    check(total > 0, 'value', () => `Trainer.evaluate: every validation target is the ignore index ${IGNORE_INDEX}`);
    return sum / total;
  }

  /** Steps until `options.steps` and returns the trained weights with this run's log. */
  run(train: BatchSource, val?: BatchSource): TrainResult {
    while (this.stepsDone < this.options.steps) this.step(train, val);
    return { config: this.config, params: this.model.exportParams(), log: this.log, wallSeconds: this.wallSeconds };
  }

  /**
   * Writes a checkpoint into `dir`: a model folder, plus (unless `optimizer: false`) the AdamW
   * state and trainer.json with the position of the last training stream stepped on.
   */
  saveCheckpoint(dir: string, opts: SaveCheckpointOptions = {}): void {
    const withState = opts.optimizer ?? true;
    writeCheckpoint(dir, {
      config: this.config,
      params: this.model.exportParams(),
      ...(withState ? {
        optimizer: this.model.exportOptimizerState(),
        state: {
          format: 'diffattn-train/1', step: this.stepsDone, options: this.options,
          trainSource: this.trainSource ? this.trainSource.state() : this.savedSource ?? null, wallSeconds: this.wallSeconds,
        },
      } : {}),
    }, opts);
  }

  private get microBatch(): number {
    return this.options.batch / this.options.microBatches;
  }

  private evaluationDue(): boolean {
    const { evalEvery, steps } = this.options;
    return evalEvery > 0 && (this.stepsDone % evalEvery === 0 || this.stepsDone === steps);
  }

  // n micro-batches of [batch / microBatches, context], checked before they reach the engine.
  private draw(source: BatchSource, n: number): Batch[] {
    const rows = this.microBatch, T = this.options.context;
    return Array.from({ length: n }, () => {
      const b = source.next(rows, T);
      check(b.ids.length === rows * T && b.targets.length === rows * T, 'shape', () =>
        `Trainer: BatchSource.next(${rows}, ${T}) must return ids and targets of ${rows * T} values, got ${b.ids.length} and ${b.targets.length}`);
      return b;
    });
  }
}

/**
 * Trains `config` from `params` on `train` (evaluating on `val`) for `opts.steps` steps: the
 * one-call form of `Trainer.create(…).run(…)`.
 */
export async function train(config: ModelConfig, params: ParamSource, trainSource: BatchSource, val: BatchSource | undefined,
  opts: Partial<TrainOptions> = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  return (await Trainer.create(config, params, opts, hooks)).run(trainSource, val);
}

function counted(targets: Int32Array): number {
  let c = 0;
  for (let i = 0; i < targets.length; i++) if (targets[i] !== IGNORE_INDEX) c++;
  return c;
}
