/**
 * Packing and transposing for the attention block loop: queries into lanes (the tile's B
 * operand), keys and values into the TJ-wide panels the tile reads as its A operand, lanes back
 * to rows. O(T·(d + dv)) per head against the O(T²·(d + dv)) of the products, but scalar loops
 * here cost 3–4 % of a T = 2048 forward, so the bodies move four floats (or a pair) at a time
 * and leave only the edges (sizes not multiples of 4) to scalar code.
 * All strides (ld…) are in bytes; "rows" are token rows of a token-major activation.
 */
import { TJ } from './attention-tile';
import { BR } from './attention-work';
import { transpose4 } from './transpose';

/**
 * Transposes rows r < nr of a row block into lanes, times `scale`; lanes nr … BR − 1 are zero.
 * src: [nr rows, n] (row stride ld) → dst: [n, BR]
 */
export function packT(src: usize, ld: usize, nr: i32, n: i32, scale: f32, dst: usize): void {
  const n4 = n & ~3;
  const k = f32x4.splat(scale);
  const st = <usize>BR << 2;
  for (let r0 = 0; r0 < BR; r0 += 4) {
    const p = src + <usize>r0 * ld;
    const zero = f32x4.splat(0);
    for (let c0 = 0; c0 < n4; c0 += 4) {
      const at = p + (<usize>c0 << 2);
      const v0 = r0 < nr ? f32x4.mul(v128.load(at), k) : zero;
      const v1 = r0 + 1 < nr ? f32x4.mul(v128.load(at + ld), k) : zero;
      const v2 = r0 + 2 < nr ? f32x4.mul(v128.load(at + 2 * ld), k) : zero;
      const v3 = r0 + 3 < nr ? f32x4.mul(v128.load(at + 3 * ld), k) : zero;
      transpose4(v0, v1, v2, v3, dst + (<usize>(c0 * BR + r0) << 2), st);
    }
    for (let c = n4; c < n; c++) {
      const out = dst + (<usize>(c * BR + r0) << 2);
      for (let r = 0; r < 4; r++) {
        store<f32>(out + (<usize>r << 2), r0 + r < nr ? load<f32>(p + <usize>r * ld + (<usize>c << 2)) * scale : 0);
      }
    }
  }
}

/**
 * Copies `rows` rows of n floats into a zero-padded block of `total` rows of `width` ≥ n floats.
 * src: [rows, n] (row stride ld) → dst: [total, width]
 */
export function packRows(src: usize, ld: usize, rows: i32, total: i32, n: i32, width: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>(total * width) << 2);
  for (let r = 0; r < rows; r++) memory.copy(dst + (<usize>(r * width) << 2), src + <usize>r * ld, <usize>n << 2);
}

/**
 * Packs rows into TJ-row panels (2), each stored channel-major, so a tile reads the panel's rows'
 * values of one channel at one address; rows past n are zero.
 * src: [n rows, c] (row stride ld) → dst: [⌈n/2⌉, c, 2]
 */
export function packPanels(src: usize, ld: usize, n: i32, c: i32, dst: usize): void {
  const c4 = c & ~3;
  for (let u0 = 0; u0 < n; u0 += TJ) {
    const panel = dst + (<usize>(u0 * c) << 2);
    const row0 = src + <usize>u0 * ld;
    const both = u0 + 1 < n;
    // Four channels of both rows interleave into [a0 b0 a1 b1], [a2 b2 a3 b3].
    for (let ch = 0; ch < c4; ch += 4) {
      const a = v128.load(row0 + (<usize>ch << 2));
      const b = both ? v128.load(row0 + ld + (<usize>ch << 2)) : f32x4.splat(0);
      v128.store(panel + (<usize>ch << 3), v128.shuffle<f32>(a, b, 0, 4, 1, 5));
      v128.store(panel + (<usize>ch << 3), v128.shuffle<f32>(a, b, 2, 6, 3, 7), 16);
    }
    for (let ch = c4; ch < c; ch++) {
      const at = <usize>ch << 2;
      store<f32>(panel + (at << 1), load<f32>(row0 + at));
      store<f32>(panel + (at << 1) + 4, both ? load<f32>(row0 + ld + at) : 0);
    }
  }
}

/**
 * Packs rows into TJ-channel panels (2), each stored key-major, so a tile reads one key's channels
 * of the panel at one address and walks the keys contiguously; channels past c and rows past n
 * are zero. Each channel pair is one 8-byte move into its panel, in blocks of PACK_ROWS rows: the
 * block's rows stay in L1 while every panel gets a contiguous run (row by row, the ⌈c/2⌉ panels
 * each took 8 bytes per row and the stores thrashed: 3.3 % of a T = 2048 forward instead of 2.3 %
 * for the scalar loop this replaced).
 * src: [n rows, c] (row stride ld) → dst: [⌈c/2⌉, total, 2]
 */
export function packChannels(src: usize, ld: usize, n: i32, total: i32, c: i32, dst: usize): void {
  const pairs = c >> 1;
  const panelBytes = <usize>total << 3;
  for (let u0 = 0; u0 < total; u0 += PACK_ROWS) {
    const live = min(n, u0 + PACK_ROWS);
    const end = min(total, u0 + PACK_ROWS);
    for (let j = 0; j < pairs; j++) {
      const panel = dst + <usize>j * panelBytes;
      let p = src + <usize>u0 * ld + (<usize>j << 3);
      let u = u0;
      for (; u < live; u++, p += ld) store<u64>(panel + (<usize>u << 3), load<u64>(p));
      for (; u < end; u++) store<u64>(panel + (<usize>u << 3), 0);
    }
    if (c & 1) {
      const panel = dst + <usize>pairs * panelBytes;
      for (let u = u0; u < end; u++) {
        store<f32>(panel + (<usize>u << 3), u < live ? load<f32>(src + <usize>u * ld + (<usize>(c - 1) << 2)) : 0);
        store<f32>(panel + (<usize>u << 3), 0, 4);
      }
    }
  }
}

/** Rows per block of `packChannels`: 32 rows of a 128-float value head are 16 KiB. */
const PACK_ROWS: i32 = 32;

/**
 * Transposes a lanes-are-rows block back to rows, 4×4 at a time.
 * srcT: [tv4, BR] → dst: [BR, tp] (row stride ld bytes); columns ≥ tv are don't-care
 */
export function transposeBlock(srcT: usize, tv: i32, dst: usize, ld: usize): void {
  const st = <usize>BR << 2;
  for (let u0 = 0; u0 < tv; u0 += 4) {
    for (let r0 = 0; r0 < BR; r0 += 4) {
      const p = srcT + <usize>u0 * st + (<usize>r0 << 2);
      transpose4(v128.load(p), v128.load(p + st), v128.load(p + 2 * st), v128.load(p + 3 * st), dst + <usize>r0 * ld + (<usize>u0 << 2), ld);
    }
  }
}
