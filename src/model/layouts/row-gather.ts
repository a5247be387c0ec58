/**
 * A checkpoint layout as row gathers: each canonical parameter is a source parameter with its
 * rows (first axis) picked and reordered, `canonical[r] = source[rows[r]]`. Reordering heads,
 * permuting rotary channels and duplicating KV heads are all gathers, so one description converts
 * the weights forward and, as its transpose (a scatter-add), maps gradients back: a source row used
 * twice receives the sum of both gradients, exactly what training tied copies would need.
 */
import { DiffAttnError, check } from '../../errors.js';
import type { F64Tensor } from '../../io/golden.js';

export interface RowGather {
  /** Name of the source parameter. */
  source: string;
  /** canonical row r ← source row rows[r]; undefined means every row in order. */
  rows?: Int32Array;
}

/** Canonical name → where its rows come from. */
export type Layout = Map<string, RowGather>;

/** Builds the canonical parameters from the source ones, checking every source shape. */
export function gatherParams(layout: Layout, source: ReadonlyMap<string, F64Tensor>, expectedShapes: ReadonlyMap<string, readonly number[]>): Map<string, F64Tensor> {
  const out = new Map<string, F64Tensor>();
  for (const [name, { source: src, rows }] of layout) {
    const t = source.get(src);
    if (!t) throw new DiffAttnError('missing', `checkpoint: parameter '${src}' is missing (needed for '${name}')`);
    const want = expectedShapes.get(src);
    check(!want || (want.length === t.shape.length && want.every((d, i) => d === t.shape[i])), 'shape', () =>
      `checkpoint: parameter '${src}': expected shape [${want!.join(', ')}], got [${t.shape.join(', ')}]`);
    const rowLen = t.shape.slice(1).reduce((p, d) => p * d, 1);
    const picks = rows ?? Int32Array.from({ length: t.shape[0] }, (_, r) => r);
    const data = new Float64Array(picks.length * rowLen);
    picks.forEach((s, r) => data.set(t.data.subarray(s * rowLen, (s + 1) * rowLen), r * rowLen));
    out.set(name, { shape: [picks.length, ...t.shape.slice(1)], data });
  }
  return out;
}

/** Maps canonical gradients back to the source parameters: the transpose of the gather. */
export function scatterGrads(layout: Layout, grads: ReadonlyMap<string, F64Tensor>, sourceShapes: ReadonlyMap<string, readonly number[]>): Map<string, F64Tensor> {
  const out = new Map<string, F64Tensor>();
  for (const [name, { source: src, rows }] of layout) {
    const g = grads.get(name);
    const shape = sourceShapes.get(src);
    if (!g || !shape) continue;
    const rowLen = shape.slice(1).reduce((p, d) => p * d, 1);
    if (!out.has(src)) out.set(src, { shape: [...shape], data: new Float64Array(shape.reduce((p, d) => p * d, 1)) });
    const acc = out.get(src)!.data;
    const picks = rows ?? Int32Array.from({ length: shape[0] }, (_, r) => r);
    picks.forEach((s, r) => {
      for (let c = 0; c < rowLen; c++) acc[s * rowLen + c] += g.data[r * rowLen + c];
    });
  }
  return out;
}
