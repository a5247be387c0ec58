/**
 * Token embedding: a row lookup forward, a scatter-add backward.
 *   out[p] = W[ids[p]],   dW[v] += Σ_{p: ids[p] = v} dout[p]
 * The host checks every id against [0, V) before calling: these kernels index W and dW with the
 * ids as they are, so an unchecked id would read or write outside the table.
 */
import { assertRange } from './checks';
import { addTo } from './vec';

/**
 * ids: i32 [n], W: [V, C] → out: [n, C].
 */
export function embedding_fwd(ids: usize, W: usize, out: usize, n: i32, C: i32): void {
  checkEmbedding(ids, out, n, C);
  const rowBytes = <usize>C << 2;
  for (let p = 0; p < n; p++) {
    const id = load<i32>(ids + (<usize>p << 2));
    assertRange(W + <usize>id * rowBytes, <u64>rowBytes, 'embedding_fwd: id outside W');
    memory.copy(out + <usize>p * rowBytes, W + <usize>id * rowBytes, rowBytes);
  }
}

/**
 * ids: i32 [n], dout: [n, C] → dW: [V, C] += scatter (accumulated: the host zeroes it).
 * Repeated ids add up; positions are visited in order, so the result is deterministic.
 */
export function embedding_bwd(ids: usize, dout: usize, dW: usize, n: i32, C: i32): void {
  checkEmbedding(ids, dout, n, C);
  const rowBytes = <usize>C << 2;
  for (let p = 0; p < n; p++) {
    const id = load<i32>(ids + (<usize>p << 2));
    const row = dW + <usize>id * rowBytes;
    assertRange(row, <u64>rowBytes, 'embedding_bwd: id outside dW');
    addTo(row, row, dout + <usize>p * rowBytes, C);
  }
}

// Debug-build guard (free in release, see checks.ts). t is out (forward) or dout (backward).
function checkEmbedding(ids: usize, t: usize, n: i32, C: i32): void {
  assert(n >= 0 && C >= 1, 'embedding: need n >= 0 and C >= 1');
  assertRange(ids, <u64>n * 4, 'embedding: ids outside memory');
  assertRange(t, <u64>n * C * 4, 'embedding: out/dout outside memory');
}
