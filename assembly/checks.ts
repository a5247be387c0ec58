/**
 * Debug-build guards for raw-pointer kernels.
 *
 * The host validates every argument before it calls a kernel (see `src/engine/gemm.ts`), so these
 * checks are a second line: in the debug build a host bug traps with a message naming the operand
 * instead of silently reading the wrong bytes. The release build compiles with `noAssert`, which
 * turns each `assert` into its side-effect-free condition, and the optimizer then drops it.
 */

/** Traps (debug build) unless the byte range [ptr, ptr + bytes) lies inside linear memory. */
export function assertRange(ptr: usize, bytes: u64, what: string): void {
  assert(<u64>ptr + bytes <= (<u64>memory.size() << 16), what);
}

/** Traps (debug build) unless every size is at least 1. */
export function assertSizes(M: i32, N: i32, K: i32): void {
  assert(M >= 1 && N >= 1 && K >= 1, 'gemm: M, N and K must be >= 1');
}
