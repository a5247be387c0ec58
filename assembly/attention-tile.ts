/**
 * The one micro-kernel of every attention product: a [2, 16] tile
 *
 *   C[j, 0..15] (+)= Σ_{k<kc} A(j, k) · B[k, 0..15]        j = 0, 1
 *
 * with A read by scalar broadcast loads of two adjacent floats, A(j, k) = a[4j + k·ks], and B by
 * contiguous vector loads. Which operand sits where only changes the strides, so the six products
 * of attention share this kernel (S, G, dS, P are in scratch; K, V panels are packed by
 * attention-block.ts into TJ = 2-wide panels):
 *
 *   product               C (j × 16 lanes)         A(j, k)                       B[k, lanes]
 *   scores  Sᵀ = K·Qᵀ     Sᵀ [keys × rows]         K panel [c][2 keys]   ks=8    Qᵀ[c, rows]
 *   G       Gᵀ = V·dOᵀ    Gᵀ [keys × rows]         V panel [c][2 keys]   ks=8    dOᵀ[c, rows]
 *   values  Oᵀ = Vᵀ·Pᵀ    Oᵀ [chans × rows]        V panel [u][2 chans]  ks=8    Pᵀ[u, rows]
 *   dQ      dQᵀ = Kᵀ·dSᵀ  dQᵀ [chans × rows]       K panel [u][2 chans]  ks=8    dSᵀ[u, rows]
 *   dK      dK += dSᵀ·Q   dK [keys × chans]        dS[r, 2 keys]         ks=tp·4 Q[r, chans]
 *   dV      dV += Pᵀ·dO   dV [keys × chans]        P[r, 2 keys]          ks=tp·4 dO[r, chans]
 *
 * Why this shape: 8 v128 accumulators (2 × 4) is the most V8 11.3 keeps in registers (more spill,
 * see gemm-kernel.ts); per k step it does 4 vector loads, 2 broadcast loads and 8 multiply-adds
 * (`madd`: mul + add, fused in the relaxed build), like the GEMM's 2×16 kernel. The [4, 8] tile
 * this replaced did the same multiply-adds with 4 broadcasts and 2 vector loads per step and ran
 * at 41 GFLOP/s in L1 against 50–52 for [2, 16] (standard build, kc = 64 and 128, interleaved
 * runs; the relaxed build ran both at ≈ 50), so the broadcasts, not the multiply-adds, set its
 * pace. The two A values sit at constant offsets from ONE pointer: a version with a pointer per
 * row of A (any row stride) spent a third of its time on the extra address arithmetic (measured
 * 27 vs 39 GFLOP/s on the score product, [4, 8] tile).
 */
import { madd } from './madd';

/** Rows of the tile (A lanes), and the width of the key and channel panels it reads. */
export const TJ: i32 = 2;
/** Columns of the tile (B lanes): four vectors. */
export const TL: i32 = 16;
/** Bytes of an edge buffer holding one full tile. */
export const EDGE_BYTES: i32 = TJ * TL * 4;

/**
 * C (+)= A·B over one [2, 16] tile. All strides are in bytes.
 * A(j, k) = f32 at a + 4j + k·ks, B[k] = 16 f32 at b + k·ldb → C[j] = 16 f32 at c + j·ldc.
 * `add` accumulates into C, otherwise C is overwritten; kc ≥ 1.
 */
export function tile(a: usize, ks: usize, b: usize, ldb: usize, kc: i32, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  const end = b + <usize>kc * ldb;
  while (b < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const b2 = v128.load(b, 32);
    const b3 = v128.load(b, 48);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    c02 = madd(x, b2, c02);
    c03 = madd(x, b3, c03);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    c12 = madd(x, b2, c12);
    c13 = madd(x, b3, c13);
    a += ks;
    b += ldb;
  }
  storeRow(c, c00, c01, c02, c03, add);
  storeRow(c + ldc, c10, c11, c12, c13, add);
}

/**
 * Adds the valid [jn, ln] corner of a full tile parked in `edge` to C.
 * edge: [2, 16] → C: [jn, ln] at `c` with row stride `ldc` bytes.
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

// Writes (or adds) one tile row held in four vectors: 16 consecutive floats at p.
@inline
function storeRow(p: usize, v0: v128, v1: v128, v2: v128, v3: v128, add: bool): void {
  storeVec(p, v0, add);
  storeVec(p + 16, v1, add);
  storeVec(p + 32, v2, add);
  storeVec(p + 48, v3, add);
}

@inline
function storeVec(p: usize, v: v128, add: bool): void {
  v128.store(p, add ? f32x4.add(v128.load(p), v) : v);
}
