/**
 * Bulk copies between two regions of linear memory. The engine moves KV-cache rows with them, and
 * the benchmark uses them to measure memory bandwidth (the ceiling for single-token decode).
 */

/**
 * Copies `bytes` bytes from src to dst with a 128-bit load/store loop (64 bytes per iteration);
 * a tail shorter than 64 bytes goes through `memory.copy`. The regions must not overlap.
 * src: [bytes] → dst: [bytes]
 */
export function copy_f32x4(dst: usize, src: usize, bytes: usize): void {
  const end = src + (bytes & ~(<usize>63));
  while (src < end) {
    const v0 = v128.load(src);
    const v1 = v128.load(src, 16);
    const v2 = v128.load(src, 32);
    const v3 = v128.load(src, 48);
    v128.store(dst, v0);
    v128.store(dst, v1, 16);
    v128.store(dst, v2, 32);
    v128.store(dst, v3, 48);
    src += 64;
    dst += 64;
  }
  memory.copy(dst, src, bytes & 63);
}

/**
 * Copies `bytes` bytes from src to dst with the bulk-memory `memory.copy` instruction (overlap
 * allowed). src: [bytes] → dst: [bytes]
 */
export function copy_bulk(dst: usize, src: usize, bytes: usize): void {
  memory.copy(dst, src, bytes);
}
