/**
 * Choosing the next token from a row of logits, with Hugging Face's semantics and order:
 * repetition penalty → temperature → top-k → top-p → draw. Pure functions of their arguments (the
 * `Rng` is passed in, so one seed gives one sequence of tokens).
 *
 * - Repetition penalty (CTRL, Keskar et al. 2019, as HF): every id already in the sequence gets
 *   logit/penalty if its logit is > 0, logit·penalty otherwise, once however often it occurs.
 * - Temperature τ: softmax(logits/τ); τ = 0 is greedy (argmax), the limit τ → 0⁺.
 * - Top-k: keep the k largest logits (ties: the lower id first).
 * - Top-p (nucleus, Holtzman et al. 2020): keep the smallest set of most probable ids whose
 *   probability mass (after top-k, renormalised) reaches p.
 */
import { check } from '../errors.js';
import type { Rng } from '../ref/random.js';

export interface SamplingOptions {
  /** τ ≥ 0; 0 (the default) picks the argmax. */
  temperature?: number;
  /** Keep only the k most likely ids (k ≥ 1); default off. */
  topK?: number;
  /** Keep the smallest most-likely set with mass ≥ p, p ∈ (0, 1]; default 1 (off). */
  topP?: number;
  /** > 0; 1 (the default) is off, > 1 discourages repeats. */
  repetitionPenalty?: number;
}

/** The index of the largest logit (the lowest such index on ties). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
  return best;
}

/** A copy of `logits` with the repetition penalty applied to every id in `history`. */
export function applyRepetitionPenalty(logits: ArrayLike<number>, history: readonly number[], penalty: number): Float64Array {
  check(penalty > 0 && Number.isFinite(penalty), 'value', () => `repetitionPenalty must be a positive number, got ${penalty}`);
  const out = Float64Array.from(logits);
  for (const id of new Set(history)) {
    if (id >= 0 && id < out.length) out[id] = out[id] > 0 ? out[id] / penalty : out[id] * penalty;
  }
  return out;
}

/**
 * The distribution a sampled token is drawn from, [V]: zero outside the kept set, summing to 1.
 * With temperature 0 it is one-hot at the (penalised) argmax.
 */
export function samplingProbs(logits: ArrayLike<number>, opts: SamplingOptions = {}, history: readonly number[] = []): Float64Array {
  const { temperature = 0, topK, topP = 1, repetitionPenalty = 1 } = opts;
  check(logits.length > 0, 'value', () => 'sampling: the logits row is empty');
  for (let v = 0; v < logits.length; v++) check(!Number.isNaN(logits[v]), 'value', () => `sampling: logit ${v} is NaN`);
  check(temperature >= 0 && Number.isFinite(temperature), 'value', () => `temperature must be a finite number ≥ 0, got ${temperature}`);
  check(topK === undefined || (Number.isInteger(topK) && topK >= 1), 'value', () => `topK must be an integer ≥ 1, got ${topK}`);
  check(topP > 0 && topP <= 1, 'value', () => `topP must be in (0, 1], got ${topP}`);
  const z = repetitionPenalty === 1 ? Float64Array.from(logits) : applyRepetitionPenalty(logits, history, repetitionPenalty);
  const probs = new Float64Array(z.length);
  if (temperature === 0) {
    probs[argmax(z)] = 1;
    return probs;
  }
  // Ids by decreasing logit, ties by id: the order top-k and top-p cut.
  const order = Array.from(z.keys()).sort((a, b) => z[b] - z[a] || a - b);
  const kept = order.slice(0, Math.min(topK ?? z.length, z.length));
  const top = z[kept[0]];
  check(top > -Infinity, 'value', () => 'sampling: every logit is −Infinity');
  let total = 0;
  for (const v of kept) total += probs[v] = Math.exp((z[v] - top) / temperature);
  let mass = 0;
  let n = 0;
  while (n < kept.length && (n === 0 || mass < topP)) mass += probs[kept[n++]] / total;
  for (const v of kept.slice(n)) probs[v] = 0;
  let sum = 0;
  for (const v of kept.slice(0, n)) sum += probs[v];
  for (const v of kept.slice(0, n)) probs[v] /= sum;
  return probs;
}

/** The next token: greedy at temperature 0 (the RNG is not touched), else one draw from `samplingProbs`. */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: Rng, history: readonly number[] = []): number {
  const probs = samplingProbs(logits, opts, history);
  if ((opts.temperature ?? 0) === 0) return argmax(probs);
  const u = rng.uniform();
  let cum = 0;
  let last = 0;
  for (let v = 0; v < probs.length; v++) {
    if (probs[v] === 0) continue;
    cum += probs[v];
    last = v;
    if (u < cum) return v;
  }
  return last; // u within round-off of 1
}
