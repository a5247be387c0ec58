/**
 * The float64 reference trainer: `Trainer`'s loop written out on the reference model, for checking
 * the engine's training end to end and for reading. Same batches, same micro-batch weighting,
 * same schedule, PyTorch's clip_grad_norm_ and AdamW (adamw64.ts), all in float64.
 */
import { check } from '../errors.js';
import { IGNORE_INDEX, clipCoefficient } from '../engine/kernels/index.js';
import type { ParamSource } from '../engine/model/engine-model.js';
import type { ModelConfig } from '../model/config.js';
import { DiffTransformerLM, crossEntropy, reshape, scale } from '../ref/index.js';
import { adamwFloat64 } from './adamw64.js';
import { trainOptions } from './options.js';
import { lrAt } from './schedule.js';
import type { BatchSource, TrainOptions } from './types.js';

/** What one reference step reports (the engine's `StepRecord` without the timing). */
export interface ReferenceStep {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
}

export class ReferenceTrainer {
  readonly model: DiffTransformerLM;
  readonly options: TrainOptions;
  private readonly moments: Array<{ m: Float64Array; v: Float64Array }>;
  private t = 0;

  constructor(config: ModelConfig, params: ParamSource, opts: Partial<TrainOptions> = {}) {
    this.options = trainOptions(opts);
    this.model = new DiffTransformerLM(config);
    this.model.loadStateDict(params);
    this.moments = this.model.parameters().map((p) => ({ m: new Float64Array(p.size), v: new Float64Array(p.size) }));
  }

  /** One step on the next batch of `train`, exactly as `Trainer.step` orders it. */
  step(train: BatchSource): ReferenceStep {
    const o = this.options, k = o.microBatches, rows = o.batch / k, T = o.context, V = this.model.config.vocabSize;
    const micro = Array.from({ length: k }, () => train.next(rows, T));
    const counts = micro.map((m) => m.targets.reduce((c, t) => c + (t === IGNORE_INDEX ? 0 : 1), 0));
    const total = counts.reduce((s, c) => s + c, 0);
    check(total > 0, 'value', () => `ReferenceTrainer: every target of the batch at step ${this.t + 1} is ignored`);
    const params = this.model.parameters();
    this.model.zeroGrad();
    let lossSum = 0;
    micro.forEach(({ ids, targets }, i) => {
      if (counts[i] === 0) return;
      // logits: [rows, T, V] → [rows·T, V]; the mean over this micro-batch's counted targets
      const loss = crossEntropy(reshape(this.model.forward(ids, [rows, T]), [rows * T, V]), targets);
      scale(loss, counts[i] / total).backward();
      lossSum += counts[i] * loss.data[0];
    });
    const gradNorm = Math.sqrt(params.reduce((s, p) => s + p.grad!.reduce((a, g) => a + g * g, 0), 0));
    const coef = Number.isFinite(o.maxGradNorm) ? clipCoefficient(gradNorm, o.maxGradNorm) : 1;
    const lr = lrAt(this.t, o);
    this.t++;
    const hyper = { lr, beta1: o.beta1, beta2: o.beta2, eps: 1e-8, weightDecay: o.weightDecay };
    params.forEach((p, i) => adamwFloat64(p.data, p.grad!.map((g) => g * coef), this.moments[i].m, this.moments[i].v, hyper, this.t));
    return { step: this.t, loss: lossSum / total, lr, gradNorm };
  }
}
