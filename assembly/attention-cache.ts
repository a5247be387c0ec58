/**
 * The KV cache of one layer, token-major like the activations it is filled from:
 *   kCache: [B, maxT, Hk, d],  vCache: [B, maxT, Hv, dv]
 * so appending n tokens of a batch row is one contiguous copy per operand, prefill can fill the
 * cache straight from its k and v, and a decode step streams every key head with unit stride
 * inside a row (see docs/attention-kernels.md for the layout choice).
 */
import { AttnDesc } from './attention-desc';
import { assertRange } from './checks';

/**
 * Writes n tokens per batch row at positions pos … pos + n − 1 (the caller keeps pos + n ≤ maxT).
 * k: [B·n, Hk·d], v: [B·n, Hv·dv] → kCache: [B, maxT, Hk·d], vCache: [B, maxT, Hv·dv]
 */
export function attention_cache_write(descPtr: usize, k: usize, v: usize, kCache: usize, vCache: usize,
  maxT: i32, pos: i32, n: i32): void {
  const desc = changetype<AttnDesc>(descPtr);
  const ldk = <usize>(desc.Hk * desc.d) << 2;
  const ldv = <usize>(desc.Hv * desc.dv) << 2;
  assert(pos >= 0 && n >= 0 && pos + n <= maxT, 'attention_cache_write: positions past maxT');
  assertRange(kCache, <u64>desc.B * maxT * ldk, 'attention_cache_write: kCache outside memory');
  assertRange(vCache, <u64>desc.B * maxT * ldv, 'attention_cache_write: vCache outside memory');
  assertRange(k, <u64>desc.B * n * ldk, 'attention_cache_write: k outside memory');
  assertRange(v, <u64>desc.B * n * ldv, 'attention_cache_write: v outside memory');
  for (let b = 0; b < desc.B; b++) {
    const at = <usize>(b * maxT + pos);
    memory.copy(kCache + at * ldk, k + <usize>(b * n) * ldk, <usize>n * ldk);
    memory.copy(vCache + at * ldv, v + <usize>(b * n) * ldv, <usize>n * ldv);
  }
}
