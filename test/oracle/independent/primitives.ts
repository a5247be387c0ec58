/**
 * The formulas every kind is built from, each written directly from the golden-format README
 * (test/fixtures/golden/README.md) on single vectors, so each can be checked by eye against it.
 */
import { fromFn, matrixRows, tokens, type Tensor } from './tensor.js';

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** `nn.Linear(bias=False)` on one token: out[o] = Σ_i W[o, i]·x[i] (W stored [out, in], §5). */
export function linear(x: Float64Array, weightRows: Float64Array[]): Float64Array {
  const out = new Float64Array(weightRows.length);
  for (let o = 0; o < out.length; o++) out[o] = dot(weightRows[o], x);
  return out;
}

/** `nn.Linear` on every token: Z [B, T, K] @ W^T with W [out, K] → [B, T, out]. */
export function project(Z: Tensor, W: Tensor): Tensor {
  const [B, T] = Z.shape;
  const rows = tokens(Z);
  const Wr = matrixRows(W);
  return fromFn([B, T, W.shape[0]], (b, t, o) => dot(Wr[o], rows[b][t]));
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** RMSNorm with gain: v / sqrt(mean_c v[c]² + eps) ⊙ gain (§5.2 step 8, §5.5). */
export function rmsNorm(v: Float64Array, gain: ArrayLike<number>, eps: number): Float64Array {
  const meanSquare = dot(v, v) / v.length;
  const inv = 1 / Math.sqrt(meanSquare + eps);
  return v.map((x, c) => x * inv * gain[c]);
}

/**
 * One row of a causal softmax map (§5.2 step 5): query position t sees keys u ≤ t; later keys get
 * a score of −∞, so exp(−∞ − max) is exactly 0 and the row sums to 1 over u ≤ t.
 */
export function causalSoftmaxRow(scores: Float64Array, t: number): Float64Array {
  const masked = scores.map((s, u) => (u <= t ? s : -Infinity));
  const max = masked.reduce((m, s) => Math.max(m, s), -Infinity);
  const e = masked.map((s) => Math.exp(s - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/**
 * The causal attention map of one query head over one key head (both given per position as
 * vectors of size d): A[t][u] = softmax_u(q[t]·k[u] / √d), masked for u > t.
 */
export function causalMap(q: Float64Array[], k: Float64Array[]): Float64Array[] {
  const scale = 1 / Math.sqrt(q[0].length);
  return q.map((qt, t) => {
    const scores = new Float64Array(k.length);
    for (let u = 0; u < k.length; u++) scores[u] = dot(qt, k[u]) * scale;
    return causalSoftmaxRow(scores, t);
  });
}

/** Σ_u A[t][u]·v[u] for every t: the attention-weighted sum of value vectors. */
export function applyMap(map: Float64Array[], v: Float64Array[]): Float64Array[] {
  return map.map((row) => {
    const out = new Float64Array(v[0].length);
    row.forEach((w, u) => v[u].forEach((vc, c) => { out[c] += w * vc; }));
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Rotary embedding (§5.1)

export type RopeSchedule = 'standard' | 'yoco_linspace';

/** cos[t][j], sin[t][j] = cos/sin(t·ω_j), t = 0 … T−1, j = 0 … r/2 − 1. */
export interface RopeTables {
  cos: Float64Array[];
  sin: Float64Array[];
}

/**
 * The r/2 frequencies of a schedule:
 *   standard:      ω_j = 1 / θ^(2j/r)
 *   yoco_linspace: ω_j = 1 / θ^(j/(r/2 − 1)), i.e. 1/θ^linspace(0, 1, r/2); linspace(0, 1, 1) = [0].
 */
export function ropeFrequencies(rotaryDim: number, theta: number, schedule: RopeSchedule): number[] {
  const half = rotaryDim / 2;
  return Array.from({ length: half }, (_, j) => {
    const exponent = schedule === 'standard' ? (2 * j) / rotaryDim : half === 1 ? 0 : j / (half - 1);
    return 1 / theta ** exponent;
  });
}

export function buildRopeTables(T: number, rotaryDim: number, theta: number, schedule: RopeSchedule): RopeTables {
  const omega = ropeFrequencies(rotaryDim, theta, schedule);
  return {
    cos: Array.from({ length: T }, (_, t) => Float64Array.from(omega, (w) => Math.cos(t * w))),
    sin: Array.from({ length: T }, (_, t) => Float64Array.from(omega, (w) => Math.sin(t * w))),
  };
}

/**
 * Rotates one q or k head u ∈ ℝ^d at position t. Pair j of the rotary dim r is a complex number
 * z_j = u[re] + i·u[im] multiplied by e^{i·t·ω_j} = cos + i·sin:
 *   interleaved (GPT-J, the official code): (re, im) = (2j, 2j+1)
 *   non-interleaved (GPT-NeoX):             (re, im) = (j, j + r/2)
 * Channels c ≥ r are not rotated (partial rotary). Values are never rotated.
 */
export function rotate(u: Float64Array, t: number, rope: RopeTables, interleaved: boolean): Float64Array {
  const half = rope.cos[t].length;
  const out = u.slice();
  for (let j = 0; j < half; j++) {
    const [re, im] = interleaved ? [2 * j, 2 * j + 1] : [j, j + half];
    const [c, s] = [rope.cos[t][j], rope.sin[t][j]];
    // (a + ib)(c + is) = (ac − bs) + i(bc + as)
    out[re] = u[re] * c - u[im] * s;
    out[im] = u[im] * c + u[re] * s;
  }
  return out;
}
