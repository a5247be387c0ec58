/**
 * Runs a golden case on the float64 reference: build the module the metadata describes, load the
 * file's parameters under their official names, run forward with a trace, backpropagate `grad_y`,
 * and return every tensor the case can be checked on, under the file's names.
 */
import type { F64Tensor, GoldenFile } from '../io/golden.js';
import { DecoderLayer, DiffAttnV2, MultiheadAttention, MultiheadDiffAttn, Tensor, type Module, type RopeTables, type Trace } from '../ref/index.js';
import type { GoldenCase, ModuleSpec } from './golden-case.js';

/** Tensors computed by a backend, by the golden file's names (`y`, `grad.x`, `grad.<param>`, intermediates). */
export type Results = Map<string, F64Tensor>;

type Runnable = Module & { forward(x: Tensor, rope: RopeTables, trace?: Trace): Tensor };

/** Builds the reference module for a spec (parameters still at their initial values). */
export function buildRefModule(spec: ModuleSpec): Runnable {
  switch (spec.type) {
    case 'diff_v1': return new MultiheadDiffAttn(spec.config);
    case 'diff_v2': return new DiffAttnV2(spec.config);
    case 'baseline': return new MultiheadAttention(spec.config);
    case 'decoder': return new DecoderLayer(spec.config);
  }
}

export function runRef(c: GoldenCase, file: GoldenFile): Results {
  const module = buildRefModule(c.module);
  const names = [...module.stateDict().keys()];
  module.loadStateDict(new Map(names.map((n) => [n, file.f64(n)])));
  const asTensor = (t: F64Tensor, grad = false): Tensor => new Tensor(t.data.slice(), t.shape, grad);
  const x = asTensor(c.x, true);
  const trace = new Map<string, Tensor>();
  const y = module.forward(x, { cos: asTensor(c.rope.cos), sin: asTensor(c.rope.sin) }, trace);
  y.backward(c.gradY.data);
  const out: Results = new Map();
  const put = (name: string, shape: readonly number[], data: Float64Array | null): void => {
    out.set(name, { shape: [...shape], data: data ?? new Float64Array(shape.reduce((p, d) => p * d, 1)) });
  };
  put('y', y.shape, y.data);
  put('grad.x', x.shape, x.grad);
  for (const [name, p] of module.namedParameters()) put(`grad.${name}`, p.shape, p.grad);
  for (const [name, t] of trace) put(name, t.shape, t.data);
  return out;
}

/** The names of the module's parameters, which the file must provide. */
export function parameterNames(c: GoldenCase): string[] {
  return [...buildRefModule(c.module).stateDict().keys()];
}
