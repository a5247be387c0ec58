/**
 * `Tensor`: a contiguous, row-major float64 array with a shape, and the tape autograd.
 *
 * This is micrograd grown to n-d arrays. Every op builds its output with `Tensor.fromOp`, handing
 * over its inputs and a closure that maps the output's gradient to the inputs' gradients.
 * `backward()` orders the graph topologically and runs those closures from the output back,
 * accumulating into `grad`. The walk is iterative (an explicit stack), so a chain of 10,000 ops
 * does not overflow the call stack.
 */
import { check } from '../errors.js';

/** Maps the gradient of an op's output to one gradient per input (`null` where none flows). */
export type BackwardFn = (gradOut: Float64Array) => ReadonlyArray<Float64Array | null>;

export class Tensor {
  readonly data: Float64Array;
  readonly shape: readonly number[];
  /** ∂L/∂this, same layout as `data`; filled by `backward()` when `requiresGrad`. */
  grad: Float64Array | null = null;
  requiresGrad: boolean;
  /** The op that made this tensor (`'leaf'` for inputs and parameters); for debugging. */
  readonly op: string;
  readonly parents: readonly Tensor[];
  private readonly backwardFn: BackwardFn | null;

  constructor(data: Float64Array, shape: readonly number[], requiresGrad = false) {
    const n = numel(shape);
    check(data.length === n, 'shape', () =>
      `Tensor: data has ${data.length} elements but shape [${shape.join(', ')}] needs ${n}`);
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
    this.op = 'leaf';
    this.parents = [];
    this.backwardFn = null;
  }

  /** A tensor made by an op. It joins the graph only if some input needs a gradient. */
  static fromOp(data: Float64Array, shape: readonly number[], op: string, parents: readonly Tensor[],
    backward: BackwardFn): Tensor {
    const t = new Tensor(data, shape);
    if (parents.some((p) => p.requiresGrad)) {
      t.requiresGrad = true;
      Object.assign(t, { op, parents, backwardFn: backward });
    }
    return t;
  }

  static zeros(shape: readonly number[], requiresGrad = false): Tensor {
    return new Tensor(new Float64Array(numel(shape)), shape, requiresGrad);
  }

  static from(values: ArrayLike<number>, shape: readonly number[], requiresGrad = false): Tensor {
    return new Tensor(Float64Array.from(values), shape, requiresGrad);
  }

  /** A leaf of shape `[1]`. */
  static scalar(value: number, requiresGrad = false): Tensor {
    return new Tensor(Float64Array.of(value), [1], requiresGrad);
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    check(this.size === 1, 'shape', () => `item(): expected a one-element tensor, got shape [${this.shape}]`);
    return this.data[0];
  }

  /** A leaf holding a copy of this tensor's values, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /**
   * Backpropagates from this tensor. With no `seed` the tensor must hold one element and the
   * seed is 1 (∂L/∂L); otherwise `seed` is ∂L/∂this, i.e. `backward(g)` computes the
   * vector-Jacobian product with `g`.
   *
   * Leaves (inputs, parameters) accumulate into `grad` across passes, as in PyTorch, so gradients
   * of several losses add up until `zeroGrad()`. Every other tensor's `grad` is set to this
   * pass's ∂L/∂tensor; a pass propagates only its own gradient, never what an earlier pass left.
   */
  backward(seed?: Float64Array): void {
    if (seed === undefined) {
      check(this.size === 1, 'shape', () =>
        `backward(): a seed is needed for a tensor of shape [${this.shape}]; only one-element tensors default to 1`);
      seed = Float64Array.of(1);
    }
    check(seed.length === this.size, 'shape', () =>
      `backward(seed): seed has ${seed!.length} elements, tensor has ${this.size}`);
    const order = topologicalOrder(this);
    const pass = new Map<Tensor, Float64Array>([[this, seed.slice()]]);
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      const g = pass.get(node);
      if (g === undefined) continue;
      if (node.backwardFn === null) {
        node.grad = addInto(node.grad, g);
        continue;
      }
      node.grad = g;
      const grads = node.backwardFn(g);
      node.parents.forEach((p, j) => {
        const gp = grads[j];
        if (p.requiresGrad && gp) pass.set(p, addInto(pass.get(p) ?? null, gp));
      });
    }
  }

  /** Clears `grad` on this tensor and everything upstream of it. */
  zeroGrad(): void {
    for (const node of topologicalOrder(this)) node.grad = null;
  }
}

/** Number of elements of a shape; validates that every dimension is a non-negative integer. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    check(Number.isSafeInteger(d) && d >= 0, 'shape', () => `shape [${shape.join(', ')}]: dimensions must be non-negative integers`);
    n *= d;
  }
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Normalises a possibly negative axis index against `ndim`, with a clear error. */
export function axisIndex(axis: number, ndim: number, what: string): number {
  const a = axis < 0 ? axis + ndim : axis;
  check(Number.isInteger(axis) && a >= 0 && a < ndim, 'shape', () =>
    `${what}: axis ${axis} is out of range for a tensor of rank ${ndim}`);
  return a;
}

// Post-order DFS with an explicit stack: each node appears after all of its parents.
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: Array<{ node: Tensor; next: number }> = [{ node: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.node.parents.length) {
      const parent = top.node.parents[top.next++];
      if (!seen.has(parent) && parent.requiresGrad) {
        seen.add(parent);
        stack.push({ node: parent, next: 0 });
      }
    } else {
      order.push(top.node);
      stack.pop();
    }
  }
  return order;
}

function addInto(acc: Float64Array | null, g: Float64Array): Float64Array {
  if (acc === null) return g.slice();
  for (let i = 0; i < acc.length; i++) acc[i] += g[i];
  return acc;
}
