/**
 * The learning-rate schedule: linear warm-up, then cosine decay (Loshchilov & Hutter's SGDR
 * without restarts), as GPT-style trainers use it.
 */
import type { TrainOptions } from './types.js';

/**
 * The learning rate of step `step` (0-based: the step about to be taken), for S = steps,
 * W = warmup, η = lr, η_min = minLr:
 *
 *   step < W:       η · (step + 1) / W                              (reaches η at step W − 1)
 *   W ≤ step < S:   η_min + (η − η_min) · ½ · (1 + cos(π · p)),  p = (step − W) / (S − W)
 *   W ≤ S ≤ step:   η_min                                           (stepping on past the plan)
 *
 * so the first decay step runs at η and the rate approaches η_min as step → S. A warm-up longer
 * than the run (W > S) only ramps.
 */
export function lrAt(step: number, opts: Pick<TrainOptions, 'steps' | 'warmup' | 'lr' | 'minLr'>): number {
  const { steps: S, warmup: W, lr, minLr } = opts;
  if (step < W) return (lr * (step + 1)) / W;
  if (step >= S) return minLr;
  const p = (step - W) / (S - W);
  return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * p));
}
