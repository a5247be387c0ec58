/**
 * Index arithmetic shared by the layout ops: for each element of `shape` in row-major order,
 * the flat source index Σ_k i_k · strides[k]. Broadcasting (stride 0 on a stretched axis) and
 * permutation (strides reordered) are both this one walk.
 */
export function stridedIndex(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Int32Array(n);
  const counter = new Array<number>(shape.length).fill(0);
  let flat = 0;
  for (let i = 0; i < n; i++) {
    out[i] = flat;
    // Odometer increment: bump the last axis, carrying into earlier ones.
    for (let d = shape.length - 1; d >= 0; d--) {
      counter[d]++;
      flat += strides[d];
      if (counter[d] < shape[d]) break;
      flat -= strides[d] * counter[d];
      counter[d] = 0;
    }
  }
  return out;
}

/** Splits a shape around `axis` into [outer, n, inner] so axis ops can loop over three ints. */
export function aroundAxis(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  return [outer, shape[axis], inner];
}
