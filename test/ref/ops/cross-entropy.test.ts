/**
 * crossEntropy: mean over counted rows of −log softmax(z_p)[y_p], rows with target −100 ignored.
 * Smooth in the logits (logsumexp minus a linear term), so gradcheck is well-conditioned for any
 * moderate logits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { crossEntropy } from '../../../src/ref/ops/index.js';
import { dim, expectClose, expectDiffAttnError, expectGradcheck, leaf, real, tensorOf } from '../arbitraries.js';

const IGNORE = -100;

/** logits [N, V] in [−3, 3] and targets in [0, V), about a quarter replaced by −100, at least one kept. */
const batches = fc.record({ N: dim(5), V: dim(6) }).chain(({ N, V }) => fc.record({
  logits: tensorOf([N, V], real(-3, 3)),
  targets: fc.array(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: V - 1 }) }, { weight: 1, arbitrary: fc.constant(IGNORE) }),
    { minLength: N, maxLength: N }).filter((ts) => ts.some((t) => t !== IGNORE)),
}));

/** −(1/n) Σ_{counted p} log( exp(z_p[y_p]) / Σ_v exp(z_p[v]) ), straight from the definition. */
function referenceCrossEntropy(z: number[], V: number, targets: number[], ignore = IGNORE): number {
  let total = 0, count = 0;
  targets.forEach((t, p) => {
    if (t === ignore) return;
    const row = z.slice(p * V, (p + 1) * V);
    total -= Math.log(Math.exp(row[t]) / row.reduce((s, v) => s + Math.exp(v), 0));
    count++;
  });
  return total / count;
}

describe('crossEntropy', () => {
  it('passes gradcheck, with some targets ignored', () => {
    fc.assert(fc.property(batches, ({ logits, targets }) =>
      expectGradcheck((z) => crossEntropy(z, targets), [leaf(logits)])));
  });

  it('equals the mean of −log softmax at the targets over the counted rows', () => {
    fc.assert(fc.property(batches, ({ logits, targets }) => {
      const y = crossEntropy(leaf(logits), targets);
      expect(y.shape).toEqual([1]);
      expectClose(y.data, [referenceCrossEntropy(logits.values, logits.shape[1], targets)], 1e-13);
    }));
  });

  it('is log V for uniform logits', () => {
    // Equal logits give softmax 1/V everywhere, so every counted row contributes −log(1/V) = log V.
    fc.assert(fc.property(dim(5), dim(8), real(-5, 5), (N, V, c) => {
      const z = Tensor.from(Array(N * V).fill(c), [N, V]);
      expectClose([crossEntropy(z, Array(N).fill(V - 1)).item()], [Math.log(V)], 1e-14);
    }));
  });

  it('gives ignored rows zero gradient, and counted rows (softmax − onehot)/n, which sums to 0', () => {
    fc.assert(fc.property(batches, ({ logits, targets }) => {
      const [N, V] = logits.shape;
      const z = leaf(logits);
      crossEntropy(z, targets).backward();
      for (let p = 0; p < N; p++) {
        const row = z.grad!.subarray(p * V, (p + 1) * V);
        if (targets[p] === IGNORE) expect([...row]).toEqual(Array(V).fill(0));
        else expect(Math.abs(row.reduce((s, v) => s + v, 0))).toBeLessThan(1e-15);
      }
    }));
  });

  it('ignoring a row is the same as leaving it out', () => {
    fc.assert(fc.property(batches, ({ logits, targets }) => {
      const V = logits.shape[1];
      const kept = targets.map((t, p) => [t, p] as const).filter(([t]) => t !== IGNORE).map(([, p]) => p);
      const sub = Tensor.from(kept.flatMap((p) => logits.values.slice(p * V, (p + 1) * V)), [kept.length, V]);
      expectClose([crossEntropy(leaf(logits), targets).item()], [crossEntropy(sub, kept.map((p) => targets[p])).item()], 1e-14);
    }));
  });

  it('honours a custom ignore index', () => {
    const z = [0.1, 0.5, -0.3, 1.2, 0.7, -1];
    const targets = [2, 1];
    // With ignoreIndex = 2, row 0 (target 2) is left out and only row 1 counts.
    expectClose([crossEntropy(Tensor.from(z, [2, 3]), targets, 2).item()], [referenceCrossEntropy(z, 3, targets, 2)], 1e-14);
    expectClose([crossEntropy(Tensor.from(z, [2, 3]), targets, 2).item()], [referenceCrossEntropy(z.slice(3), 3, [1])], 1e-14);
  });

  it('rejects logits that are not [N, V] and a target count that is not N', () => {
    expectDiffAttnError(() => crossEntropy(Tensor.zeros([6]), [0]), 'shape', /crossEntropy: logits must be \[N, V\], got \[6\]/);
    expectDiffAttnError(() => crossEntropy(Tensor.zeros([2, 3]), [0]), 'shape', /crossEntropy: 1 targets for 2 rows of logits/);
  });

  it('rejects a target outside [0, V) that is not the ignore index', () => {
    for (const t of [3, -1, 1.5]) {
      expectDiffAttnError(() => crossEntropy(Tensor.zeros([2, 3]), [0, t]), 'value',
        new RegExp(`crossEntropy: target ${t} at row 1 is outside \\[0, 3\\) and is not the ignore index -100`));
    }
  });

  it('rejects a batch in which every target is ignored', () => {
    expectDiffAttnError(() => crossEntropy(Tensor.zeros([2, 3]), [IGNORE, IGNORE]), 'value', /every target is the ignore index/);
  });
});
