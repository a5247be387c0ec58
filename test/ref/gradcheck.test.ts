import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/ref/gradcheck.js';
import { Tensor, type BackwardFn } from '../../src/ref/tensor.js';
import { expectDiffAttnError, leaf, real, tensorArb } from './arbitraries.js';

/** y = x³ elementwise, with a backward the test chooses (correct: ∂y/∂x = 3x²). */
function cube(x: Tensor, backward: (x: Float64Array, g: Float64Array) => Float64Array | null): Tensor {
  return Tensor.fromOp(x.data.map((v) => v ** 3), x.shape, 'cube', [x], (g) => [backward(x.data, g)]);
}
const cubeGrad = (x: Float64Array, g: Float64Array): Float64Array => g.map((gi, i) => 3 * x[i] ** 2 * gi);

/** y = a ⊙ b with the backward for b chosen by the test (correct: ∂y/∂b = a). */
function product(a: Tensor, b: Tensor, gradB: (a: Float64Array, g: Float64Array) => Float64Array): Tensor {
  const backward: BackwardFn = (g) => [g.map((gi, i) => gi * b.data[i]), gradB(a.data, g)];
  return Tensor.fromOp(a.data.map((v, i) => v * b.data[i]), a.shape, 'product', [a, b], backward);
}

const cubeInput = tensorArb({ maxRank: 2 }, real(-2, 2));

describe('gradcheck', () => {
  it('passes on a correct backward', () => {
    fc.assert(fc.property(cubeInput, (xs) => {
      const result = gradcheck((x) => cube(x, cubeGrad), [leaf(xs)]);
      expect(result.pass, JSON.stringify(result.inputs)).toBe(true);
    }));
  });

  it('fails on a wrong coefficient (2x² instead of 3x²)', () => {
    const x = Tensor.from([0.5, -1.5, 2], [3], true);
    const result = gradcheck((t) => cube(t, (v, g) => g.map((gi, i) => 2 * v[i] ** 2 * gi)), [x]);
    expect(result.pass).toBe(false);
    expect(result.inputs[0].pass).toBe(false);
  });

  it('fails on an error of one part in 10⁴ — far above its tolerance, far below a visible bug', () => {
    const x = Tensor.from([0.5, -1.5, 2], [3], true);
    const result = gradcheck((t) => cube(t, (v, g) => cubeGrad(v, g).map((d) => d * (1 + 1e-4))), [x]);
    expect(result.pass).toBe(false);
  });

  it('fails when the gradient lands on the wrong element', () => {
    // Correct values, reversed order: element i receives element n−1−i's gradient.
    const x = Tensor.from([0.5, -1.5, 2], [3], true);
    const result = gradcheck((t) => cube(t, (v, g) => cubeGrad(v, g).reverse()), [x]);
    expect(result.pass).toBe(false);
  });

  it('fails when the backward gives no gradient to an input that requires one', () => {
    const x = Tensor.from([0.5, -1.5, 2], [3], true);
    expect(gradcheck((t) => cube(t, () => null), [x]).pass).toBe(false);
  });

  it('flags only the input whose gradient is wrong', () => {
    const a = Tensor.from([1, 2], [2], true);
    const b = Tensor.from([3, -4], [2], true);
    const wrong = gradcheck((p, q) => product(p, q, (_a, g) => g.slice()), [a, b]);
    expect(wrong.inputs.map((r) => r.pass)).toEqual([true, false]);
    const right = gradcheck((p, q) => product(p, q, (av, g) => g.map((gi, i) => gi * av[i])), [a, b]);
    expect(right.pass).toBe(true);
  });

  it('skips inputs that do not require a gradient', () => {
    const a = Tensor.from([1, 2], [2]);
    const b = Tensor.from([3, -4], [2], true);
    const result = gradcheck((p, q) => product(p, q, (av, g) => g.map((gi, i) => gi * av[i])), [a, b]);
    expect(result.inputs[0]).toEqual({ maxAbsErr: 0, scale: 0, pass: true });
    expect(result.pass).toBe(true);
  });

  it('throws when the output does not depend on any input that requires a gradient', () => {
    const x = Tensor.from([1, 2], [2]);
    expectDiffAttnError(() => gradcheck((t) => cube(t, cubeGrad), [x]), 'value', /does not depend on any input/);
  });

  it('leaves the inputs unchanged', () => {
    fc.assert(fc.property(cubeInput, (xs) => {
      const x = leaf(xs);
      const before = x.data.slice();
      gradcheck((t) => cube(t, cubeGrad), [x]);
      expect([...x.data]).toEqual([...before]);
    }));
  });

  it('checks against a direction r in [−1, 1) and reports scale = max |numeric gradient|', () => {
    // For the identity f(x) = x, L = Σ x ⊙ r, so the analytic gradient left in x.grad is r itself
    // and the numeric gradient is r (up to round-off): scale must equal max |r_i|.
    const identity = (t: Tensor): Tensor => Tensor.fromOp(t.data.slice(), t.shape, 'id', [t], (g) => [g]);
    const x = Tensor.zeros([50], true);
    const result = gradcheck(identity, [x], { seed: 7 });
    const r = [...x.grad!];
    expect(r.every((v) => v >= -1 && v < 1)).toBe(true);
    expect(new Set(r).size).toBe(50); // a real direction, not a constant
    expect(result.inputs[0].scale).toBeCloseTo(Math.max(...r.map(Math.abs)), 9);
    // Deterministic in the seed.
    const again = Tensor.zeros([50], true);
    gradcheck(identity, [again], { seed: 7 });
    expect([...again.grad!]).toEqual(r);
  });
});
