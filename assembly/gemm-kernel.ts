/**
 * The GEMM micro-kernel: one MR×NR = 2×16 tile of C from a packed A micro-panel and a packed B
 * micro-panel, and the copy-out of partial edge tiles.
 *
 *        pb: 16 floats per k = 4 vectors b0 b1 b2 b3
 *   pa ┌──────────────────────────────────────────┐
 *   a0 │ c00 = Σ a0·b0 │ c01 │ c02 │ c03          │  row 0 of the C tile
 *   a1 │ c10 = Σ a1·b0 │ c11 │ c12 │ c13          │  row 1
 *      └──────────────────────────────────────────┘
 *
 * Why 2×16: the tile lives in 8 v128 accumulators. Each k step does 4 vector loads of B, 2
 * broadcast loads of A and 8 multiply-adds (64 flops, `madd`). Standard WebAssembly SIMD has no
 * fused multiply-add, so mul and add issue separately and fill the two FP multiply and two FP add
 * pipes (the relaxed build lets V8 fuse them, which is no faster here: docs/engine.md). Measured
 * in full GEMMs at 512³ on this machine class (V8 11.3): 2×16 ≈ 51 GFLOP/s, 4×8 ≈ 42, 3×8 ≈ 40;
 * tiles with more live vectors, or unrolling k, make V8 spill accumulators and run about half as
 * fast.
 *
 * The kernel takes as few arguments as possible on purpose: every general-purpose register left
 * free lets V8 keep the panel addresses in registers across the k loop. A version that also took
 * the edge-tile bookkeeping (mr, nr, edge buffer) recomputed addresses on every k step and lost
 * 12 %, so partial tiles are handled by the caller: it runs the kernel into an [MR, NR] edge
 * buffer and copies the valid corner out with `storeEdge`.
 */
import { madd } from './madd';

/** Rows of the C tile (lanes of a packed A panel). */
export const MR: i32 = 2;
/** Columns of the C tile (lanes of a packed B panel). */
export const NR: i32 = 16;
/** Bytes of the edge buffer that holds one full tile for a partial tile's copy-out. */
export const EDGE_BYTES: i32 = MR * NR * 4;

/**
 * C tile (+)= Ap · Bp over kc ≥ 1 steps.
 * pa: [kc, MR] packed A, pb: [kc, NR] packed B → C: [MR, NR] at `c` with row stride `ldc` bytes.
 * `add` accumulates into C, otherwise C is overwritten.
 */
export function microKernel(pa: usize, pb: usize, kc: i32, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  const end = pb + (<usize>kc << 6);
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const b2 = v128.load(pb, 32);
    const b3 = v128.load(pb, 48);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    c02 = madd(a, b2, c02);
    c03 = madd(a, b3, c03);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    c12 = madd(a, b2, c12);
    c13 = madd(a, b3, c13);
    pa += MR * 4;
    pb += NR * 4;
  }
  storeVec(c, c00, add);
  storeVec(c + 16, c01, add);
  storeVec(c + 32, c02, add);
  storeVec(c + 48, c03, add);
  c += ldc;
  storeVec(c, c10, add);
  storeVec(c + 16, c11, add);
  storeVec(c + 32, c12, add);
  storeVec(c + 48, c13, add);
}

/**
 * Copies the valid [mr, nr] corner of a full tile parked in `edge` into C (+)=.
 * edge: [MR, NR] → C: [mr, nr] at `c` with row stride `ldc` bytes.
 */
export function storeEdge(edge: usize, c: usize, ldc: usize, mr: i32, nr: i32, add: bool): void {
  for (let r = 0; r < mr; r++) {
    const src = edge + <usize>(r * NR * 4);
    const dst = c + <usize>r * ldc;
    for (let j = 0; j < nr; j++) {
      const off = <usize>j << 2;
      const v = load<f32>(src + off);
      store<f32>(dst + off, add ? load<f32>(dst + off) + v : v);
    }
  }
}

// Writes (or adds) 4 consecutive floats at p.
@inline
function storeVec(p: usize, v: v128, add: bool): void {
  v128.store(p, add ? f32x4.add(v128.load(p), v) : v);
}
