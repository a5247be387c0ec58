/**
 * The tensor container of the independent re-derivation. It is deliberately NOT `src/ref`'s
 * Tensor (this folder imports nothing from `src/ref`): a shape and row-major float64 data, plus
 * the two conversions the forward passes need, so that the math in the other files can be
 * written as plain nested loops over batch, heads and positions.
 */

/** A row-major float64 tensor. */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/**
 * Builds a tensor of `shape` by calling `value` on every index tuple in row-major order, e.g.
 * `fromFn([B, T, H, d], (b, t, h, c) => q[b][t][h][c])`. Used to lay out intermediates in the
 * file's documented layout without any stride arithmetic in the model code.
 */
export function fromFn(shape: readonly number[], value: (...index: number[]) => number): Tensor {
  const data = new Float64Array(numel(shape));
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < data.length; flat++) {
    data[flat] = value(...index);
    // Odometer increment: the last axis runs fastest (C order).
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < shape[axis]) break;
      index[axis] = 0;
    }
  }
  return { shape: [...shape], data };
}

/** A [B, T, C] tensor as views x[b][t] (each a Float64Array of C channels, sharing memory). */
export function tokens(x: Tensor): Float64Array[][] {
  const [B, T, C] = x.shape;
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: T }, (_, t) => x.data.subarray((b * T + t) * C, (b * T + t + 1) * C)));
}

/** A [R, C] weight as its rows W[r] (views). */
export function matrixRows(w: Tensor): Float64Array[] {
  const [R, C] = w.shape;
  return Array.from({ length: R }, (_, r) => w.data.subarray(r * C, (r + 1) * C));
}

/** Splits a token's channels into `count` consecutive heads of `size` channels (views). */
export function splitHeads(row: Float64Array, count: number, size: number): Float64Array[] {
  return Array.from({ length: count }, (_, h) => row.subarray(h * size, (h + 1) * size));
}

/**
 * A small deterministic generator (mulberry32) with Box–Muller normals: the synthetic files must
 * be reproducible, and the project's own RNG lives in `src/ref`, which this folder may not use.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  }

  /** Standard normal. */
  normal(): number {
    const u = 1 - this.uniform(); // (0, 1]: log stays finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
}

/** Parameters by official name (with the decoder's `attn.` prefix where it applies). */
export type Params = ReadonlyMap<string, Tensor>;

/** What a forward pass produces, under the golden file's tensor names. */
export interface ForwardResult {
  y: Tensor;
  /** The named intermediates the README lists for the kind (never `y` or gradients). */
  intermediates: Map<string, Tensor>;
  /** The `map.*` head maps (stored as I64). */
  maps: Map<string, number[]>;
}

/** The parameter `name`, or an error naming it (a missing parameter is a generator bug). */
export function param(p: Params, name: string): Tensor {
  const t = p.get(name);
  if (!t) throw new Error(`parameter '${name}' is missing`);
  return t;
}
