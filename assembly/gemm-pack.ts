/**
 * Packing: copies a block of a GEMM operand into contiguous micro-panels, absorbing its layout.
 *
 * Both operands are seen through the same strided view X(lane, k) = src[lane·ls + k·ks] (element
 * strides). For A the lanes are rows of op(A); for B the lanes are columns of op(B). Whether the
 * operand is stored transposed only changes (ls, ks), so NN, NT and TN share one packer and one
 * micro-kernel:
 *
 *   operand      stored as   lane    ls   ks
 *   A in NN, NT  [M, K]      row i   K    1
 *   A in TN      [K, M]      row i   1    M
 *   B in NN, TN  [K, N]      col j   1    N
 *   B in NT      [N, K]      col j   K    1
 *
 * Whole panels with ls = 1 are copied as vectors, whole panels with ks = 1 are transposed in 4×4
 * register blocks, and anything else (narrow A panels, partial last panels) goes element by element.
 *
 * A packed panel holds W lanes for kc steps as [kc, W]: the W values the micro-kernel needs at step
 * k sit next to each other, so the kernel streams each panel once with unit stride.
 */
import { transpose4 } from './transpose';

/**
 * Packs lanes [0, lanes) × steps [0, kc) of X into ⌈lanes / W⌉ panels of [kc, W] floats, panel p
 * at dst + p·kc·W·4. Lanes past `lanes` in the last panel are written as zeros so the micro-kernel
 * can compute full tiles at the edges.
 * src: X(lane, k) = src[lane·ls + k·ks] → dst: [⌈lanes/W⌉, kc, W]
 */
export function packPanels(src: usize, ls: usize, ks: usize, lanes: i32, kc: i32, W: i32, dst: usize): void {
  const panelBytes = <usize>kc * <usize>W * 4;
  for (let l0 = 0; l0 < lanes; l0 += W) {
    const w = min(W, lanes - l0);
    const s = src + ((<usize>l0 * ls) << 2);
    const fullVectors = w == W && (W & 3) == 0;
    if (fullVectors && ls == 1) packContiguous(s, ks, kc, W, dst);
    else if (fullVectors && ks == 1) packTransposed(s, ls, kc, W, dst);
    else packGather(s, ls, ks, kc, w, W, dst);
    dst += panelBytes;
  }
}

// Lanes adjacent in memory (ls = 1) and a whole number of vectors: each step is W/4 vector copies.
// s: X(l, k) = s[l + k·ks] → d: [kc, W]
@inline
function packContiguous(s: usize, ks: usize, kc: i32, W: i32, d: usize): void {
  const step = ks << 2;
  for (let k = 0; k < kc; k++) {
    for (let v = 0; v < W; v += 4) v128.store(d + (<usize>v << 2), v128.load(s + (<usize>v << 2)));
    s += step;
    d += <usize>W << 2;
  }
}

// Steps adjacent in memory (ks = 1: each lane is a contiguous row, e.g. B stored [N, K] in NT):
// 4 lanes × 4 steps are loaded as 4 vectors and transposed in registers, so the packer reads and
// writes whole vectors; the last kc mod 4 steps go element by element.
// s: X(l, k) = s[l·ls + k] → d: [kc, W]
function packTransposed(s: usize, ls: usize, kc: i32, W: i32, d: usize): void {
  const rowBytes = <usize>W << 2;
  const laneBytes = ls << 2;
  const kc4 = kc & ~3;
  for (let l = 0; l < W; l += 4) {
    const r0 = s + <usize>l * laneBytes;
    const r1 = r0 + laneBytes;
    const r2 = r1 + laneBytes;
    const r3 = r2 + laneBytes;
    let q = d + (<usize>l << 2);
    for (let k = 0; k < kc4; k += 4) {
      const off = <usize>k << 2;
      transpose4(v128.load(r0 + off), v128.load(r1 + off), v128.load(r2 + off), v128.load(r3 + off), q, rowBytes);
      q += rowBytes << 2;
    }
    for (let k = kc4; k < kc; k++) {
      const off = <usize>k << 2;
      store<f32>(q, load<f32>(r0 + off));
      store<f32>(q, load<f32>(r1 + off), 4);
      store<f32>(q, load<f32>(r2 + off), 8);
      store<f32>(q, load<f32>(r3 + off), 12);
      q += rowBytes;
    }
  }
}

// Any other case: element by element, step-major so the writes are sequential and the reads are W
// unit-stride streams (ks = 1) or one contiguous run per step (ls = 1). Lanes w..W-1 become zeros.
// s: X(l, k) = s[l·ls + k·ks] for l < w → d: [kc, W]
function packGather(s: usize, ls: usize, ks: usize, kc: i32, w: i32, W: i32, d: usize): void {
  const laneStep = ls << 2;
  for (let k = 0; k < kc; k++) {
    let p = s + ((<usize>k * ks) << 2);
    for (let l = 0; l < w; l++) {
      store<f32>(d, load<f32>(p));
      p += laneStep;
      d += 4;
    }
    for (let l = w; l < W; l++) {
      store<f32>(d, 0);
      d += 4;
    }
  }
}
