/**
 * Debug-build guards of the attention kernels' operands (free in release, see checks.ts). The
 * host (src/engine/attention.ts) validates everything first; these make a host bug trap with the
 * operand's name instead of reading or writing the wrong bytes.
 */
import { AttnDesc, mapsOf, queryHeadsOf } from './attention-desc';
import { assertRange } from './checks';

/**
 * Traps (debug) unless the descriptor's sizes are sane and q, k, v, out (`rows` token rows per
 * batch row) and the scratch lie inside memory.
 */
export function assertAttention(desc: AttnDesc, q: usize, k: usize, v: usize, out: usize, rows: i32,
  scratch: usize, scratchBytes: i32): void {
  assert(desc.B >= 1 && desc.T >= 1 && desc.H >= 1 && desc.Hk >= 1 && desc.Hv >= 1 && desc.d >= 1 && desc.dv >= 1,
    'attention: descriptor sizes must be >= 1');
  assert(desc.kind >= 0 && desc.kind <= 2, 'attention: descriptor kind must be 0, 1 or 2');
  const n = <u64>desc.B * rows * 4;
  assertRange(q, n * queryHeadsOf(desc) * desc.d, 'attention: q outside memory');
  assertRange(k, n * desc.Hk * desc.d, 'attention: k outside memory');
  assertRange(v, n * desc.Hv * desc.dv, 'attention: v outside memory');
  assertRange(out, n * desc.H * desc.dv, 'attention: out outside memory');
  assertRange(desc.kHead, <u64>mapsOf(desc) * desc.H * 4, 'attention: kHead outside memory');
  assertRange(desc.vHead, <u64>mapsOf(desc) * desc.H * 4, 'attention: vHead outside memory');
  assertRange(scratch, <u64>scratchBytes, 'attention: scratch outside memory');
  for (let h = 0; h < mapsOf(desc) * desc.H; h++) {
    const kh = load<i32>(desc.kHead + (<usize>h << 2));
    const vh = load<i32>(desc.vHead + (<usize>h << 2));
    assert(kh >= 0 && kh < desc.Hk && vh >= 0 && vh < desc.Hv, 'attention: head table entry out of range');
  }
}

/** Traps (debug) unless the `n` f32 of an optional operand (0 = absent) lie inside memory. */
export function assertOptional(p: usize, n: u64, what: string): void {
  if (p != 0) assertRange(p, n * 4, what);
}
