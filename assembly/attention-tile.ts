/**
 * The one micro-kernel of every attention product: a [4, 8] tile
 *
 *   C[j, 0..7] (+)= Σ_{k<kc} A(j, k) · B[k, 0..7]        j = 0 … 3
 *
 * with A read by scalar broadcast loads of four adjacent floats, A(j, k) = a[4j + k·ks], and B by
 * contiguous vector loads. Which operand sits where only changes the strides, so the six products
 * of attention share this kernel (S, G, dS, P are in scratch; K, V panels are packed by
 * attention-block.ts):
 *
 *   product               C (j × 8 lanes)          A(j, k)                       B[k, lanes]
 *   scores  Sᵀ = K·Qᵀ     Sᵀ [keys × rows]         K panel [c][4 keys]   ks=16   Qᵀ[c, rows]
 *   G       Gᵀ = V·dOᵀ    Gᵀ [keys × rows]         V panel [c][4 keys]   ks=16   dOᵀ[c, rows]
 *   values  Oᵀ = Vᵀ·Pᵀ    Oᵀ [chans × rows]        V[u, 4 chans]         ks=ldv  Pᵀ[u, rows]
 *   dQ      dQᵀ = Kᵀ·dSᵀ  dQᵀ [chans × rows]       K[u, 4 chans]         ks=ldk  dSᵀ[u, rows]
 *   dK      dK += dSᵀ·Q   dK [keys × chans]        dS[r, 4 keys]         ks=tp·4 Q[r, chans]
 *   dV      dV += Pᵀ·dO   dV [keys × chans]        P[r, 4 keys]          ks=tp·4 dO[r, chans]
 *
 * Why this shape: 8 v128 accumulators (4 × 2) is the most V8 11.3 keeps in registers (more spill,
 * see gemm-kernel.ts); per k step it does 2 vector loads, 4 broadcast loads and 8 multiply-adds
 * (`madd`: mul + add, fused in the relaxed build). The four A values sit at constant offsets
 * from ONE pointer: a version with a pointer per row of A (any row stride) spent a third of its
 * time on the extra address arithmetic (measured 27 vs 39 GFLOP/s on the score product).
 */
import { madd } from './madd';

/** Rows of the tile (A lanes). */
export const TJ: i32 = 4;
/** Columns of the tile (B lanes): two vectors. */
export const TL: i32 = 8;
/** Bytes of an edge buffer holding one full tile. */
export const EDGE_BYTES: i32 = TJ * TL * 4;

/**
 * C (+)= A·B over one [4, 8] tile. All strides are in bytes.
 * A(j, k) = f32 at a + 4j + k·ks, B[k] = 8 f32 at b + k·ldb → C[j] = 8 f32 at c + j·ldc.
 * `add` accumulates into C, otherwise C is overwritten; kc ≥ 1.
 */
export function tile(a: usize, ks: usize, b: usize, ldb: usize, kc: i32, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    a += ks;
    b += ldb;
  }
  storeRow(c, c00, c01, add);
  storeRow(c + ldc, c10, c11, add);
  storeRow(c + 2 * ldc, c20, c21, add);
  storeRow(c + 3 * ldc, c30, c31, add);
}

/**
 * Adds the valid [jn, ln] corner of a full tile parked in `edge` to C.
 * edge: [4, 8] → C: [jn, ln] at `c` with row stride `ldc` bytes.
 */
export function addTileEdge(edge: usize, c: usize, ldc: usize, jn: i32, ln: i32): void {
  for (let j = 0; j < jn; j++) {
    const src = edge + <usize>(j * TL * 4);
    const dst = c + <usize>j * ldc;
    for (let l = 0; l < ln; l++) {
      const off = <usize>l << 2;
      store<f32>(dst + off, load<f32>(dst + off) + load<f32>(src + off));
    }
  }
}

// Writes (or adds) one tile row held in two vectors: 8 consecutive floats at p.
@inline
function storeRow(p: usize, lo: v128, hi: v128, add: bool): void {
  if (add) {
    lo = f32x4.add(v128.load(p), lo);
    hi = f32x4.add(v128.load(p, 16), hi);
  }
  v128.store(p, lo);
  v128.store(p, hi, 16);
}
