/**
 * Finite-difference gradient check in float64.
 *
 * For a function f of several tensors we check the vector-Jacobian product: pick a fixed random
 * direction r in output space, let L(x) = Σ f(x) ⊙ r, and compare autograd's ∂L/∂x_i with the
 * central difference (L(x + h e_i) − L(x − h e_i)) / 2h. The central difference has truncation
 * error O(h²·L''') and round-off O(ε·|L|/h); with h = 1e-6 both are ≈ 1e-10 relative, far below
 * any real bug.
 */
import { DiffAttnError } from '../errors.js';
import { Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Step of the central difference. */
  h?: number;
  /** Pass when |analytic − numeric| ≤ atol + rtol · max|numeric| over each input. */
  atol?: number;
  rtol?: number;
  /** Seed of the direction r (deterministic). */
  seed?: number;
}

export interface GradcheckResult {
  pass: boolean;
  /** Per input: the largest |analytic − numeric| and the scale max|numeric| it is judged against. */
  inputs: Array<{ maxAbsErr: number; scale: number; pass: boolean }>;
}

/**
 * Checks autograd against central differences for every input that has `requiresGrad`.
 * `fn` must be deterministic and must not mutate its inputs.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const { h = 1e-6, atol = 1e-8, rtol = 1e-6, seed = 1 } = opts;
  const out = fn(...inputs);
  const r = directions(out.size, seed);
  const lossOf = (): number => fn(...inputs).data.reduce((s, v, i) => s + v * r[i], 0);
  for (const x of inputs) x.grad = null;
  if (!out.requiresGrad) throw new DiffAttnError('value', 'gradcheck: the output does not depend on any input that requires a gradient');
  out.backward(r);
  const results = inputs.map((x) => {
    if (!x.requiresGrad) return { maxAbsErr: 0, scale: 0, pass: true };
    const analytic = x.grad ?? new Float64Array(x.size);
    let maxAbsErr = 0, scale = 0;
    for (let i = 0; i < x.size; i++) {
      const keep = x.data[i];
      x.data[i] = keep + h;
      const up = lossOf();
      x.data[i] = keep - h;
      const down = lossOf();
      x.data[i] = keep;
      const numeric = (up - down) / (2 * h);
      maxAbsErr = Math.max(maxAbsErr, Math.abs(analytic[i] - numeric));
      scale = Math.max(scale, Math.abs(numeric));
    }
    return { maxAbsErr, scale, pass: maxAbsErr <= atol + rtol * scale };
  });
  return { pass: results.every((x) => x.pass), inputs: results };
}

// Uniform values in [−1, 1) from a small LCG, so a failure reproduces exactly.
function directions(n: number, seed: number): Float64Array {
  const r = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    r[i] = s / 2 ** 31 - 1;
  }
  return r;
}
