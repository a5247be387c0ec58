/**
 * The binary elementwise ops add, sub, mul, with NumPy broadcasting. One table, every broadcasting
 * case (equal shapes, size-1 dims, fewer dims, both sides stretching, [1]) for each op. These
 * functions are smooth everywhere, so any values are fine for central differences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ref/tensor.js';
import { add, mul, sub } from '../../../src/ref/ops/index.js';
import {
  BROADCAST_KINDS, broadcastPair, broadcastRead, expectClose, expectDiffAttnError, expectGradcheck, leaf, size,
  tensorOf, unravel, type BroadcastKind,
} from '../arbitraries.js';

interface BinaryCase {
  name: string;
  op: (a: Tensor, b: Tensor) => Tensor;
  definition: (a: number, b: number) => number;
}

const CASES: BinaryCase[] = [
  { name: 'add', op: add, definition: (a, b) => a + b },
  { name: 'sub', op: sub, definition: (a, b) => a - b },
  { name: 'mul', op: mul, definition: (a, b) => a * b },
];

function operands(kind: BroadcastKind) {
  return broadcastPair(kind, { maxRank: 4 }).chain(({ a, b, out }) =>
    fc.record({ a: tensorOf(a), b: tensorOf(b), out: fc.constant(out) }));
}

describe.each(CASES)('$name', ({ name, op, definition }) => {
  it.each(BROADCAST_KINDS)('passes gradcheck for both operands (%s)', (kind) => {
    fc.assert(fc.property(operands(kind), ({ a, b }) => expectGradcheck(op, [leaf(a), leaf(b)])));
  });

  it.each(BROADCAST_KINDS)('computes the definition on the broadcast shape (%s)', (kind) => {
    fc.assert(fc.property(operands(kind), ({ a, b, out }) => {
      const y = op(leaf(a), leaf(b));
      expect(y.shape).toEqual(out);
      const expected = Array.from({ length: size(out) }, (_, flat) => {
        const idx = unravel(flat, out);
        return definition(broadcastRead(a.values, a.shape, idx), broadcastRead(b.values, b.shape, idx));
      });
      expectClose(y.data, expected, 0);
    }));
  });

  it('sums the gradient of a broadcast operand over the stretched axes', () => {
    // y[i, j] = f(a[i, j], b[j]) with a [2, 3], b [3]: ∂Σy/∂b_j = Σ_i ∂f/∂b(a_ij, b_j).
    // For add that is 2 (two rows), for sub −2, for mul Σ_i a_ij.
    const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3], true);
    const b = Tensor.from([7, 8, 9], [3], true);
    op(a, b).backward(new Float64Array(6).fill(1));
    const expected = { add: [2, 2, 2], sub: [-2, -2, -2], mul: [1 + 4, 2 + 5, 3 + 6] }[name];
    expect([...b.grad!]).toEqual(expected);
  });

  it('rejects shapes that do not broadcast, naming the op and both shapes', () => {
    expectDiffAttnError(() => op(Tensor.zeros([2, 3]), Tensor.zeros([4, 3])), 'shape',
      new RegExp(`${name}: shapes \\[2, 3\\] and \\[4, 3\\] do not broadcast`));
    expectDiffAttnError(() => op(Tensor.zeros([3]), Tensor.zeros([2, 2])), 'shape', /do not broadcast \(dimension 1: 3 vs 2\)/);
  });
});

describe('a tensor as both operands', () => {
  it('receives both gradients: ∂(x+x)/∂x = 2, ∂(x−x)/∂x = 0, ∂(x·x)/∂x = 2x', () => {
    const values = [-1.5, 0.5, 2];
    const grad = (f: (x: Tensor) => Tensor): number[] => {
      const x = Tensor.from(values, [3], true);
      f(x).backward(new Float64Array(3).fill(1));
      return [...x.grad!];
    };
    expect(grad((x) => add(x, x))).toEqual([2, 2, 2]);
    expect(grad((x) => sub(x, x))).toEqual([0, 0, 0]);
    expect(grad((x) => mul(x, x))).toEqual(values.map((v) => 2 * v));
  });
});
