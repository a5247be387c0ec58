import { check } from '../../errors.js';
import { Tensor } from '../tensor.js';

/**
 * Mean cross-entropy of logits [N, V] against integer targets [N]; targets equal to
 * `ignoreIndex` (−100, as in PyTorch) are left out of the sum and of the count.
 *   L = −(1/n) Σ_p log softmax(z_p)[y_p] = (1/n) Σ_p (logsumexp(z_p) − z_p[y_p])
 * Backward: ∂L/∂z_p = (softmax(z_p) − onehot(y_p)) / n for counted rows, 0 for ignored ones.
 */
export function crossEntropy(logits: Tensor, targets: ArrayLike<number>, ignoreIndex = -100): Tensor {
  check(logits.ndim === 2, 'shape', () => `crossEntropy: logits must be [N, V], got [${logits.shape}]`);
  const [N, V] = logits.shape;
  check(targets.length === N, 'shape', () => `crossEntropy: ${targets.length} targets for ${N} rows of logits`);
  const probs = new Float64Array(logits.size);
  let total = 0, count = 0;
  for (let p = 0; p < N; p++) {
    const t = targets[p];
    if (t === ignoreIndex) continue;
    check(Number.isInteger(t) && t >= 0 && t < V, 'value', () =>
      `crossEntropy: target ${t} at row ${p} is outside [0, ${V}) and is not the ignore index ${ignoreIndex}`);
    const row = logits.data.subarray(p * V, (p + 1) * V);
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    let s = 0;
    for (let v = 0; v < V; v++) s += (probs[p * V + v] = Math.exp(row[v] - max));
    for (let v = 0; v < V; v++) probs[p * V + v] /= s;
    total += max + Math.log(s) - row[t];
    count++;
  }
  check(count > 0, 'value', () => 'crossEntropy: every target is the ignore index, the mean is undefined');
  return Tensor.fromOp(Float64Array.of(total / count), [1], 'crossEntropy', [logits], (g) => {
    const gz = new Float64Array(logits.size);
    for (let p = 0; p < N; p++) {
      if (targets[p] === ignoreIndex) continue;
      for (let v = 0; v < V; v++) gz[p * V + v] = (g[0] * probs[p * V + v]) / count;
      gz[p * V + targets[p]] -= g[0] / count;
    }
    return [gz];
  });
}
