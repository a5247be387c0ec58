/**
 * The one error bound every float32 kernel test compares against the float64 reference with.
 *
 * Model (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §2.2 and §3.1): each
 * float32 operation returns the exact result times (1 + δ) with |δ| ≤ u = 2⁻²⁴ (the unit round-off,
 * half of float32's machine epsilon 2⁻²³). A dot product of length n computed with n − 1 additions
 * and n multiplications, in ANY order of summation (so the kernels' blocking, K-splitting and
 * vector lanes do not matter), satisfies
 *
 *   |fl(xᵀy) − xᵀy| ≤ γₙ · Σᵢ |xᵢ||yᵢ|,   γₙ = n·u / (1 − n·u)              (Higham eq. 3.5)
 *
 * A GEMM element is such a dot product with n = K; accumulating into an existing C adds one more
 * term (C_old · 1), i.e. n = K + 1 with |C_old| joining the sum of magnitudes. The kernel keeps
 * the sum in float32 registers and stores it without a further rounding, so the bound covers the
 * stored value as is.
 *
 * Two slacks, each far below the main term in normal ranges:
 *  - the reference is itself computed in float64 with error ≤ γₙ(2⁻⁵³) · Σ|xᵢ||yᵢ|;
 *  - the model above ignores underflow. With subnormal results each operation may add an absolute
 *    error up to 2⁻¹⁵⁰ (half the spacing of float32 subnormals), at most 2n such operations.
 * The operands themselves are exactly representable in both precisions (the tests build the f64
 * reference from the same f32 values), so no input rounding enters.
 */

/** Unit round-off of float32: 2⁻²⁴. */
export const F32_UNIT_ROUNDOFF = 2 ** -24;
/** Unit round-off of float64: 2⁻⁵³. */
export const F64_UNIT_ROUNDOFF = 2 ** -53;
/** Largest absolute rounding error of one float32 operation with a subnormal result: 2⁻¹⁵⁰. */
export const F32_UNDERFLOW_ERROR = 2 ** -150;

/** γₙ = n·u / (1 − n·u) for unit round-off u (Higham's constant; requires n·u < 1). */
export function gamma(n: number, u = F32_UNIT_ROUNDOFF): number {
  const nu = n * u;
  if (!(nu < 1)) throw new Error(`gamma: n·u = ${nu} must be < 1`);
  return nu / (1 - nu);
}

/**
 * Largest |computed − reference| allowed for one float32 reduction of `n` products (a GEMM element
 * with n = K, or K + 1 when accumulating into C) whose magnitudes sum to `absSum` = Σ|xᵢ||yᵢ|
 * (plus |C_old| when accumulating), computed in float64.
 */
export function reductionTolerance(n: number, absSum: number): number {
  return (gamma(n) + gamma(n, F64_UNIT_ROUNDOFF)) * absSum + 2 * n * F32_UNDERFLOW_ERROR;
}
