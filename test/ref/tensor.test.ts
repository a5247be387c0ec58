import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, axisIndex, numel, stridesOf } from '../../src/ref/tensor.js';
import { add, mul, scale, sum } from '../../src/ref/ops/index.js';
import {
  expectClose, expectDiffAttnError, leaf, shapeArb, size, tensorArb, unravel, valuesArb,
} from './arbitraries.js';

describe('Tensor construction', () => {
  it('keeps the data array and a frozen copy of the shape', () => {
    const data = new Float64Array(6);
    const shape = [2, 3];
    const t = new Tensor(data, shape);
    expect(t.data).toBe(data);
    expect(t.shape).toEqual([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    shape[0] = 7;
    expect(t.shape).toEqual([2, 3]);
    expect([t.size, t.ndim, t.requiresGrad, t.grad, t.op, t.parents]).toEqual([6, 2, false, null, 'leaf', []]);
  });

  it('rejects data whose length does not match the shape', () => {
    expectDiffAttnError(() => new Tensor(new Float64Array(5), [2, 3]), 'shape',
      /data has 5 elements but shape \[2, 3\] needs 6/);
    fc.assert(fc.property(shapeArb({ maxRank: 4 }), fc.integer({ min: 0, max: 300 }), (shape, n) => {
      fc.pre(n !== size(shape));
      expectDiffAttnError(() => new Tensor(new Float64Array(n), shape), 'shape', /data has \d+ elements but shape/);
    }));
  });

  it('rejects dimensions that are negative or not integers', () => {
    for (const shape of [[2, -1], [1.5], [NaN], [Infinity]]) {
      expectDiffAttnError(() => Tensor.zeros(shape), 'shape', /dimensions must be non-negative integers/);
    }
  });

  it('accepts rank 0 (one element) and zero-size dimensions', () => {
    expect(new Tensor(Float64Array.of(4), []).item()).toBe(4);
    expect(Tensor.zeros([3, 0]).size).toBe(0);
  });

  it('zeros, from and scalar build leaves with the given values', () => {
    const z = Tensor.zeros([2, 2], true);
    expect([...z.data]).toEqual([0, 0, 0, 0]);
    expect(z.requiresGrad).toBe(true);
    const values = [1, 2, 3];
    const f = Tensor.from(values, [3]);
    values[0] = 9; // from copies
    expect([...f.data]).toEqual([1, 2, 3]);
    const s = Tensor.scalar(2.5, true);
    expect([s.shape, s.item(), s.requiresGrad]).toEqual([[1], 2.5, true]);
  });

  it('item() rejects a tensor of more than one element', () => {
    expectDiffAttnError(() => Tensor.zeros([2]).item(), 'shape', /item\(\): expected a one-element tensor/);
  });

  it('fromOp joins the graph only when a parent requires a gradient', () => {
    const x = Tensor.scalar(1, true);
    const c = Tensor.scalar(1);
    const joined = Tensor.fromOp(Float64Array.of(2), [1], 'twice', [c, x], (g) => [null, g]);
    expect([joined.requiresGrad, joined.op, joined.parents]).toEqual([true, 'twice', [c, x]]);
    const constant = Tensor.fromOp(Float64Array.of(2), [1], 'twice', [c], (g) => [g]);
    expect([constant.requiresGrad, constant.op, constant.parents]).toEqual([false, 'leaf', []]);
  });
});

describe('shape helpers', () => {
  it('numel is the product of the dimensions', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 5 }), (shape) => {
      expect(numel(shape)).toBe(shape.reduce((p, d) => p * d, 1));
    }));
  });

  it('stridesOf gives the step of each axis in the row-major layout', () => {
    // Stepping axis k by one moves the flat index by strides[k]: compare against unravel.
    fc.assert(fc.property(shapeArb({ maxRank: 4 }), (shape) => {
      const strides = stridesOf(shape);
      for (let flat = 0; flat < size(shape); flat++) {
        expect(unravel(flat, shape).reduce((s, i, k) => s + i * strides[k], 0)).toBe(flat);
      }
    }));
  });

  it('axisIndex accepts −ndim..ndim−1 and names the caller otherwise', () => {
    expect([-3, -2, -1, 0, 1, 2].map((a) => axisIndex(a, 3, 'op'))).toEqual([0, 1, 2, 0, 1, 2]);
    for (const bad of [3, -4, 0.5]) {
      expectDiffAttnError(() => axisIndex(bad, 3, 'myop'), 'shape', /myop: axis .* is out of range for a tensor of rank 3/);
    }
  });
});

describe('backward()', () => {
  it('seeds a one-element output with 1', () => {
    // y = 3x, so dy/dx = 3.
    const x = Tensor.scalar(2, true);
    scale(x, 3).backward();
    expect([...x.grad!]).toEqual([3]);
    // Rank 0 counts as one element: y = Σ_i x_i (a full reduction over axis 0), dy/dx_i = 1.
    const v = Tensor.from([1, 2, 3], [3], true);
    const y = sum(v, 0);
    expect(y.shape).toEqual([]);
    y.backward();
    expect([...v.grad!]).toEqual([1, 1, 1]);
  });

  it('needs a seed for a tensor of more than one element', () => {
    const y = scale(Tensor.zeros([3], true), 2);
    expectDiffAttnError(() => y.backward(), 'shape', /a seed is needed for a tensor of shape \[3\]/);
  });

  it('rejects a seed of the wrong length', () => {
    const y = scale(Tensor.zeros([3], true), 2);
    expectDiffAttnError(() => y.backward(Float64Array.of(1, 2)), 'shape', /seed has 2 elements, tensor has 3/);
  });

  it('with a seed g computes the vector-Jacobian product gᵀ J', () => {
    // y = x ⊙ w with constant w: J = diag(w), so gᵀ J = g ⊙ w; the constant w gets no gradient.
    fc.assert(fc.property(tensorArb({ maxRank: 3 }).chain((x) =>
      fc.tuple(fc.constant(x), valuesArb(x.values.length), valuesArb(x.values.length))), ([xs, ws, gs]) => {
      const x = leaf(xs);
      const w = Tensor.from(ws, xs.shape);
      const g = Float64Array.from(gs);
      mul(x, w).backward(g);
      expectClose(x.grad!, gs.map((gi, i) => gi * ws[i]), 0);
      expect(w.grad).toBeNull();
    }));
  });

  it('copies the seed rather than keeping a reference to it', () => {
    const x = Tensor.zeros([2], true);
    const y = scale(x, 5);
    const seed = Float64Array.of(1, 2);
    y.backward(seed);
    seed[0] = 100;
    expect([...y.grad!]).toEqual([1, 2]);
    expect([...x.grad!]).toEqual([5, 10]);
  });
});

describe('gradient accumulation', () => {
  it('sums the contributions of a tensor used several times: y = Σ (x ⊙ x + x)', () => {
    // ∂/∂x_i (x_i² + x_i) = 2x_i + 1; x enters mul twice and add once.
    fc.assert(fc.property(tensorArb({ maxRank: 3 }), (xs) => {
      const x = leaf(xs);
      sum(add(mul(x, x), x)).backward();
      expectClose(x.grad!, xs.values.map((v) => 2 * v + 1), 1e-15);
    }));
  });

  it('accumulates into a leaf over backward passes of separate graphs', () => {
    // L1 = Σ 2x, L2 = Σ 3x: after both passes ∂/∂x_i = 2 + 3 = 5.
    const x = Tensor.from([1, -1], [2], true);
    sum(scale(x, 2)).backward();
    sum(scale(x, 3)).backward();
    expect([...x.grad!]).toEqual([5, 5]);
  });

  it('accumulates correctly over backward passes that share an intermediate tensor', () => {
    // h = 2x, L1 = 5h, L2 = 7h. Leaf gradients accumulate over passes (as documented), so after
    // L1.backward() and L2.backward(): ∂L1/∂x + ∂L2/∂x = 2·5 + 2·7 = 24. Each pass must propagate
    // only its own gradient through h, not what an earlier pass left in h.grad; a non-leaf's grad
    // holds the latest pass's gradient, here ∂L2/∂h = 7.
    const x = Tensor.scalar(3, true);
    const h = scale(x, 2);
    scale(h, 5).backward();
    expect([x.grad![0], h.grad![0]]).toEqual([10, 5]);
    scale(h, 7).backward();
    expect([x.grad![0], h.grad![0]]).toEqual([24, 7]);
  });

  it('backward() twice from the same output doubles the leaf gradient', () => {
    // y = 2x: two passes accumulate 2 + 2 = 4 into x.grad.
    const x = Tensor.scalar(3, true);
    const y = scale(x, 2);
    y.backward();
    y.backward();
    expect(x.grad![0]).toBe(4);
  });
});

describe('zeroGrad()', () => {
  it('clears the gradient of the tensor and everything upstream', () => {
    const x = Tensor.from([1, 2], [2], true);
    const h = mul(x, x);
    const y = sum(h);
    y.backward();
    expect(x.grad).not.toBeNull();
    y.zeroGrad();
    expect([x.grad, h.grad, y.grad]).toEqual([null, null, null]);
    // A fresh pass then gives ∂/∂x_i Σ x² = 2x_i, not twice that.
    y.backward();
    expect([...x.grad!]).toEqual([2, 4]);
  });
});

describe('detach()', () => {
  it('returns a leaf holding a copy of the values, cut from the graph', () => {
    const x = Tensor.from([1, 2, 3], [3], true);
    const h = scale(x, 2);
    const d = h.detach();
    expect([d.shape, [...d.data], d.requiresGrad, d.op, d.parents]).toEqual([[3], [2, 4, 6], false, 'leaf', []]);
    d.data[0] = 100;
    expect(h.data[0]).toBe(2);
  });

  it('stops the gradient: ∂/∂x Σ x ⊙ detach(x) = detach(x) = x, not 2x', () => {
    fc.assert(fc.property(tensorArb(), (xs) => {
      const x = leaf(xs);
      sum(mul(x, x.detach())).backward();
      expectClose(x.grad!, xs.values, 0);
    }));
  });
});

describe('long chains', () => {
  // The graph is 10,001 nodes deep; a recursive topological sort would overflow the call stack.
  const N = 10_000;

  it('backpropagates through 10,000 scales: ∂/∂x (1 + 1e−5)^N x = (1 + 1e−5)^N', () => {
    // Chain rule: the derivative is the product of N identical factors c = 1 + 1e−5.
    // Each float multiply rounds by ≤ 2⁻⁵³ relative, so N of them stay within N·2⁻⁵³ ≈ 1.1e−12.
    const c = 1 + 1e-5;
    const x = Tensor.scalar(0.7, true);
    let y = x;
    for (let i = 0; i < N; i++) y = scale(y, c);
    y.backward();
    expectClose(x.grad!, [c ** N], 2e-12);
    expectClose(y.data, [0.7 * c ** N], 2e-12);
  });

  it('backpropagates through 10,000 adds that all reuse x: y = x + x + … (N+1 times), dy/dx = N + 1', () => {
    // Every term contributes 1; the sums are small integers, so the result is exact.
    const x = Tensor.scalar(0.25, true);
    let y = x;
    for (let i = 0; i < N; i++) y = add(y, x);
    y.backward();
    expect(x.grad![0]).toBe(N + 1);
    expect(y.item()).toBe(0.25 * (N + 1));
  });
});
