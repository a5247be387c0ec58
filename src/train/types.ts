/**
 * The trainer's vocabulary: where batches come from, what one step reports, and the options of a
 * run. Text corpora (data.ts) and the lab's synthetic tasks (src/lab) both implement `BatchSource`,
 * so one trainer serves both.
 */
import type { ModelConfig } from '../model/config.js';

/** One batch: ids and next-token targets, both [batch, context] row-major (−100 = ignored target). */
export interface Batch {
  ids: Int32Array;
  targets: Int32Array;
}

/**
 * A deterministic stream of batches: the same seed gives the same batches in the same order, so
 * paired arms see identical data. `state()`/`restore()` let a checkpoint resume the stream exactly.
 */
export interface BatchSource {
  /** → ids, targets: [batch, context] */
  next(batch: number, context: number): Batch;
  /** An opaque, JSON-serialisable position in the stream. */
  state(): unknown;
  restore(state: unknown): void;
}

/** Everything a run needs besides the model's architecture; every field has a default in options.ts. */
export interface TrainOptions {
  steps: number;
  /** Sequences per optimizer step (split into `microBatches` micro-batches of batch / microBatches). */
  batch: number;
  microBatches: number;
  context: number;
  /** Peak learning rate, reached after `warmup` steps, then cosine decay to `minLr` at `steps`. */
  lr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** Clip the global gradient norm (Infinity disables). */
  maxGradNorm: number;
  /** Evaluate on the validation source every this many steps (0: never), over `evalBatches` batches. */
  evalEvery: number;
  evalBatches: number;
  /** Seed of initialisation and of the batch stream. */
  seed: number;
}

/** One line of the JSONL log. */
export interface StepRecord {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  /** Validation loss, on the steps where evaluation ran. */
  valLoss?: number;
  /** DIFF V1: λ of each layer after the step (mean over heads). */
  lambda?: number[];
  /** Wall-clock seconds of the run so far (steps and evaluations, across resumes). */
  elapsedSec?: number;
}

/** A trained model as the trainer hands it back. */
export interface TrainResult {
  config: ModelConfig;
  params: Map<string, Float32Array>;
  log: StepRecord[];
  wallSeconds: number;
}
