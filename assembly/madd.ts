/**
 * The kernels' vector multiply-add, c + a·b per f32 lane (the GEMM and attention micro-kernels,
 * the decode GEMV), in one place so that both builds come from one kernel source:
 *
 *  - standard build (`--target release`, `debug`): `f32x4.mul` then `f32x4.add`, two roundings;
 *    WebAssembly SIMD has no fused multiply-add.
 *  - relaxed build (`--target relaxed`, `--enable relaxed-simd`): `f32x4.relaxed_madd`, which the
 *    engine computes either fused (one rounding) or as mul + add (two), its choice; V8 on x86 with
 *    FMA emits `vfmadd`, one instruction instead of two per step.
 *
 * `ASC_FEATURE_RELAXED_SIMD` is the compiler's compile-time constant for the enabled feature, so
 * the untaken branch is never compiled: the standard build neither contains nor needs the relaxed
 * opcode, and its instructions are exactly those of the mul + add it had before this helper.
 *
 * Error bound: both variants stay within the tests' γₙ·Σ|xᵢ||yᵢ| (test/engine/tolerance.ts). That
 * bound counts, for each product term, the roundings on its path to the stored sum: one for the
 * multiply and one per addition it goes through, at most n for a reduction of n terms in any order.
 * A fused step rounds a·b + c once, so it removes the multiply's rounding from that term's path and
 * adds none to any other term's; every path gets shorter or stays, γₖ grows with k, and each
 * (1 + δ) factor still has |δ| ≤ u. Fewer operations also means fewer underflow errors (the
 * 2n·2⁻¹⁵⁰ slack). So no tolerance changes, for GEMM, GEMV and the attention bounds built on γₙ.
 */
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
