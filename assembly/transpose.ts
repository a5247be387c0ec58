/**
 * The 4 × 4 transpose of f32 lanes that the packing code of GEMM and attention shares.
 */

/**
 * Stores the transpose of a 4 × 4 block given as four vectors (a row each): row j of the result
 * (lane j of every input) goes to dst + j·ld bytes. Two rounds of interleaving: first the pairs
 * [v0.k v1.k v0.k+1 v1.k+1] (and likewise v2, v3), then their halves side by side.
 */
@inline
export function transpose4(v0: v128, v1: v128, v2: v128, v3: v128, dst: usize, ld: usize): void {
  const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + ld, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * ld, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * ld, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}
