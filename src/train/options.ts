/**
 * The defaults of a training run and the one validation every entry point (library, CLI, resume)
 * passes its options through, so a bad value fails before any memory is planned.
 */
import { DiffAttnError } from '../errors.js';
import type { TrainOptions } from './types.js';

/**
 * Defaults: a run of the CLI's default size (`tiny`) whose two default arms finish in a few
 * minutes on one shared core (docs/training.md §6). AdamW as the paper (§3.1: β = (0.9, 0.98),
 * weight decay 0.1), clipping at 1, peak learning rate 2e-3 (small byte-level models tolerate a
 * large one) with a short warm-up and cosine decay to a tenth of it.
 */
export const DEFAULT_TRAIN_OPTIONS: Readonly<TrainOptions> = Object.freeze({
  steps: 800,
  batch: 16,
  microBatches: 1,
  context: 128,
  lr: 2e-3,
  minLr: 2e-4,
  warmup: 50,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.98,
  maxGradNorm: 1,
  evalEvery: 100,
  evalBatches: 4,
  seed: 0,
});

type Rule = (v: number, o: TrainOptions) => string | null;

const integer = (min: number): Rule => (v) => (Number.isSafeInteger(v) && v >= min ? null : `an integer ≥ ${min}`);
const finite = (min: number): Rule => (v) => (Number.isFinite(v) && v >= min ? null : `a finite number ≥ ${min}`);
const unitInterval: Rule = (v) => (v >= 0 && v < 1 ? null : 'a number in [0, 1)');

/** Each field's rule; the `Record` over `keyof TrainOptions` makes a new field a compile error here. */
const RULES: Record<keyof TrainOptions, Rule> = {
  steps: integer(1),
  batch: integer(1),
  microBatches: (v, o) => integer(1)(v, o) ?? (o.batch % v === 0 ? null : `a divisor of batch (${o.batch})`),
  context: integer(1),
  lr: finite(0),
  minLr: (v, o) => finite(0)(v, o) ?? (v <= o.lr ? null : `≤ lr (${o.lr})`),
  // A warm-up longer than the run is allowed: the run then ends while still warming up.
  warmup: integer(0),
  weightDecay: finite(0),
  beta1: unitInterval,
  beta2: unitInterval,
  // Infinity is allowed: it disables clipping.
  maxGradNorm: (v) => (v > 0 ? null : 'a number > 0 (Infinity: no clipping)'),
  evalEvery: integer(0),
  evalBatches: integer(1),
  seed: (v) => (Number.isSafeInteger(v) && v >= 0 && v < 2 ** 32 ? null : 'an integer in [0, 2^32)'),
};

/**
 * `DEFAULT_TRAIN_OPTIONS` overridden by `partial`, validated. Throws a `DiffAttnError` naming the
 * first bad field, what it must be and what it is; unknown fields are errors too (a misspelt
 * option must not silently fall back to its default). `name` says how errors call a field (the
 * CLI names its flags).
 */
export function trainOptions(partial: Partial<TrainOptions> = {}, name: (field: keyof TrainOptions) => string = (f) => `trainOptions: '${f}'`): TrainOptions {
  for (const key of Object.keys(partial)) {
    if (!Object.hasOwn(RULES, key)) {
      throw new DiffAttnError('unknown', `trainOptions: unknown option '${key}' (known: ${Object.keys(RULES).join(', ')})`);
    }
  }
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...defined };
  for (const [key, rule] of Object.entries(RULES) as Array<[keyof TrainOptions, Rule]>) {
    const v = o[key];
    const problem = typeof v === 'number' ? rule(v, o) : 'a number';
    if (problem) throw new DiffAttnError('value', `${name(key)} must be ${problem}, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  }
  return o;
}
