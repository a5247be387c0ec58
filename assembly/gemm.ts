/**
 * Single-precision GEMM in the three layouts training needs (row-major, any M, N, K ≥ 1):
 *
 *   gemm_nn: C (+)= A·B     A: [M, K], B: [K, N]
 *   gemm_nt: C (+)= A·Bᵀ    A: [M, K], B: [N, K]   (x · Wᵀ with an nn.Linear weight W: [out, in])
 *   gemm_tn: C (+)= Aᵀ·B    A: [K, M], B: [K, N]   (weight gradients: dW = dYᵀ · X)
 *
 * Goto/BLIS blocking. B is packed in [KC × NC] blocks into NR-wide panels, A in [MC × KC] blocks
 * into MR-high panels, and one micro-kernel (gemm-kernel.ts) sweeps the tiles. The layout only
 * changes the strides handed to the packer (gemm-pack.ts); everything after packing is shared.
 *
 *                  nc ≤ NC columns of op(B)
 *              ┌──────────────────────────┐          packed B block, one panel per 16 columns:
 *   kc ≤ KC    │      B block             │ ─pack─▶  [k0: b0…b15][k1: b0…b15]…  [k0: b16…b31]…
 *              └──────────────────────────┘          (each panel [kc, 16] = 32 KiB at kc = 512)
 *    kc
 *  ┌────┐
 *  │ A  │ mc ≤ MC rows ─pack─▶ [k0: a0 a1][k1: a0 a1]…  [k0: a2 a3]…   (panels [kc, 2])
 *  │blk │
 *  └────┘      C tile [2, 16] (+)= A panel [2, kc] · B panel [kc, 16]
 *
 * All scratch (the packed blocks and the edge-tile buffer) is host-provided: kernels never allocate.
 */
import { EDGE_BYTES, MR, NR, microKernel, storeEdge } from './gemm-kernel';
import { packPanels } from './gemm-pack';
import { GEMV_MAX_ROWS, gemvNT } from './gemv';
import { assertRange, assertSizes } from './checks';

// Why these block sizes (L1 48 KiB, L2 1 MiB per core): one B panel [KC, NR] is 32 KiB and stays
// in L1 while the kernel sweeps every A panel of the block against it; the packed A block
// [MC, KC] is 128 KiB and stays in L2; the packed B block [KC, NC] (2 MiB) is read from L2/L3 one
// panel at a time, once per A block. Measured: KC 256–512 and MC 32–256 are within noise of each
// other at 512³–1024³; KC = 512 was marginally the fastest.
const KC: i32 = 512;
const MC: i32 = 64;
const NC: i32 = 1024;

/**
 * Bytes of scratch a GEMM of this size needs (the packed A and B blocks and the edge buffer).
 * Never more than `gemm_scratch_bytes(MC, NC, KC)` = 2,228,352 bytes, whatever the sizes.
 */
export function gemm_scratch_bytes(M: i32, N: i32, K: i32): i32 {
  const kc = min(K, KC);
  return EDGE_BYTES + (roundUp(min(M, MC), MR) + roundUp(min(N, NC), NR)) * kc * 4;
}

/**
 * C (+)= A·B. A: [M, K], B: [K, N] → C: [M, N]. `accumulate` 0 overwrites C, 1 adds to it.
 * `scratch` holds `gemm_scratch_bytes(M, N, K)` bytes, 16-byte aligned, overlapping no operand.
 */
export function gemm_nn(a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32, scratch: usize): void {
  checkOperands(a, b, c, M, N, K, scratch);
  gemm(a, <usize>K, 1, b, 1, <usize>N, c, M, N, K, accumulate != 0, scratch);
}

/** C (+)= A·Bᵀ. A: [M, K], B: [N, K] → C: [M, N]. Arguments as for `gemm_nn`. */
export function gemm_nt(a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32, scratch: usize): void {
  checkOperands(a, b, c, M, N, K, scratch);
  if (M <= GEMV_MAX_ROWS) {
    gemvNT(a, b, c, M, N, K, accumulate != 0);
    return;
  }
  gemm(a, <usize>K, 1, b, <usize>K, 1, c, M, N, K, accumulate != 0, scratch);
}

/** C (+)= Aᵀ·B. A: [K, M], B: [K, N] → C: [M, N]. Arguments as for `gemm_nn`. */
export function gemm_tn(a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32, scratch: usize): void {
  checkOperands(a, b, c, M, N, K, scratch);
  gemm(a, 1, <usize>M, b, 1, <usize>N, c, M, N, K, accumulate != 0, scratch);
}

// Debug-build guard of every operand range (free in release, see checks.ts).
function checkOperands(a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, scratch: usize): void {
  assertSizes(M, N, K);
  assertRange(a, <u64>M * K * 4, 'gemm: A outside memory');
  assertRange(b, <u64>K * N * 4, 'gemm: B outside memory');
  assertRange(c, <u64>M * N * 4, 'gemm: C outside memory');
  assertRange(scratch, <u64>gemm_scratch_bytes(M, N, K), 'gemm: scratch outside memory');
}

// The shared driver over strided views: op(A)(i, k) = a[i·als + k·aks], op(B)(k, j) = b[j·bls + k·bks]
// (element strides). op(A): [M, K], op(B): [K, N] → C: [M, N]
function gemm(a: usize, als: usize, aks: usize, b: usize, bls: usize, bks: usize, c: usize,
  M: i32, N: i32, K: i32, accumulate: bool, scratch: usize): void {
  const edge = scratch;
  const ap = scratch + EDGE_BYTES;
  const bp = ap + (<usize>(roundUp(min(M, MC), MR) * min(K, KC)) << 2);
  const ldc = <usize>N << 2;
  // Equal K blocks of at most KC, so no block is a short tail dominated by per-tile overhead.
  const kcStep = ceilDiv(K, ceilDiv(K, KC));
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kcStep) {
      const kc = min(kcStep, K - pc);
      // Later K blocks add to what the first one wrote.
      const add = accumulate || pc > 0;
      packPanels(b + ((<usize>jc * bls + <usize>pc * bks) << 2), bls, bks, nc, kc, NR, bp);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packPanels(a + ((<usize>ic * als + <usize>pc * aks) << 2), als, aks, mc, kc, MR, ap);
        macroKernel(ap, bp, mc, nc, kc, c + <usize>ic * ldc + (<usize>jc << 2), ldc, add, edge);
      }
    }
  }
}

// Sweeps the tiles of one block pair. The B panel is the outer loop so it stays in L1 while the
// small A panels stream from L2. Partial tiles run the same kernel into the edge buffer.
// ap: [⌈mc/MR⌉, kc, MR], bp: [⌈nc/NR⌉, kc, NR] → C block [mc, nc] at c (row stride ldc bytes)
function macroKernel(ap: usize, bp: usize, mc: i32, nc: i32, kc: i32, c: usize, ldc: usize, add: bool, edge: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const pb = bp + (<usize>(jr * kc) << 2);
    const nr = min(NR, nc - jr);
    for (let ir = 0; ir < mc; ir += MR) {
      const pa = ap + (<usize>(ir * kc) << 2);
      const ct = c + <usize>ir * ldc + (<usize>jr << 2);
      const mr = min(MR, mc - ir);
      if (mr == MR && nr == NR) {
        microKernel(pa, pb, kc, ct, ldc, add);
      } else {
        microKernel(pa, pb, kc, edge, NR * 4, false);
        storeEdge(edge, ct, ldc, mr, nr, add);
      }
    }
  }
}

@inline
function ceilDiv(x: i32, m: i32): i32 {
  return (x + m - 1) / m;
}

@inline
function roundUp(x: i32, m: i32): i32 {
  return ceilDiv(x, m) * m;
}
