/**
 * Reading a golden file into the independent implementation's terms: its configuration (read
 * from metadata by `configFromMetadata`, not by `src/oracle`), parameters by official name, x,
 * grad_y and the stored rope tables. Only the container reader of `src/io` is shared.
 */
import { readSafetensors, toFloat64 } from '../../../src/io/safetensors.js';
import { configFromMetadata, parameterShapes, type CaseConfig } from './config.js';
import type { RopeTables } from './primitives.js';
import type { Tensor } from './tensor.js';

export interface GoldenCaseData {
  config: CaseConfig;
  metadata: Record<string, string>;
  /** Every tensor of the file as float64 (I64 maps included), by name. */
  tensors: Map<string, Tensor>;
  params: Map<string, Tensor>;
  x: Tensor;
  gradY: Tensor;
  rope: RopeTables;
}

/** The rows of a [T, r/2] table. */
export function tableRows(t: Tensor): Float64Array[] {
  const [T, half] = t.shape;
  return Array.from({ length: T }, (_, r) => t.data.slice(r * half, (r + 1) * half));
}

export function readCase(bytes: Uint8Array): GoldenCaseData {
  const file = readSafetensors(bytes);
  const tensors = new Map([...file.tensors].map(([name, t]): [string, Tensor] => [name, { shape: [...t.shape], data: toFloat64(t, name) }]));
  const get = (name: string): Tensor => {
    const t = tensors.get(name);
    if (!t) throw new Error(`tensor '${name}' is missing`);
    return t;
  };
  const config = configFromMetadata(file.metadata);
  const params = new Map([...parameterShapes(config).keys()].map((name) => [name, get(name)]));
  return {
    config, metadata: { ...file.metadata }, tensors, params, x: get('x'), gradY: get('grad_y'),
    rope: { cos: tableRows(get('rope.cos')), sin: tableRows(get('rope.sin')) },
  };
}

/** max|a − b| / max|b| (max|a − b| when b is all zeros): the scale-free error of `impl` vs `ref`. */
export function relativeError(impl: Tensor, ref: Tensor): number {
  if (impl.shape.join() !== ref.shape.join()) return Infinity;
  let err = 0, scale = 0;
  ref.data.forEach((r, i) => {
    err = Math.max(err, Math.abs(impl.data[i] - r));
    scale = Math.max(scale, Math.abs(r));
  });
  return scale > 0 ? err / scale : err;
}
