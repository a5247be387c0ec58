/**
 * Vector transcendental functions (WebAssembly SIMD has none): e^x and the logistic sigmoid on
 * four f32 lanes. Internal: used by swiglu.ts and cross-entropy.ts; the fused attention kernels
 * may use `exp4` as well.
 *
 * Scalar tails call the same code through `f32x4.splat`, so an element gets the same bits whether
 * it falls in the vector body or in the tail.
 */

const LOG2E: f32 = 1.4426950408889634;
// ln 2 split in two (Cody–Waite): LN2_HI = 355/512 has 9 significant bits, so k·LN2_HI is exact
// for every |k| ≤ 2¹⁵ and x − k·LN2_HI loses nothing; LN2_LO = ln 2 − LN2_HI carries the rest.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444005469057e-4;
// Below −104 the result is 0 (< 2⁻¹⁴⁹ / 2) and above 89 it is +∞ (> 2¹²⁸): clamping there keeps
// k = round(x/ln 2) within [−150, 129], which the two-factor scaling below handles exactly.
const X_MIN: f32 = -104;
const X_MAX: f32 = 89;
// 1.5·2²³: adding it to |y| < 2²² leaves round(y) in the low mantissa bits (the addition itself
// rounds to nearest, ties to even), so one add replaces f32x4.nearest and the float-to-int
// conversion, both slow on x86.
const SHIFTER: f32 = 12582912;

/**
 * e^x on each lane with a relative error below 1.5·2⁻²⁴ (about 1 ulp; measured against float64
 * at 2²⁴ points spanning [−104, 89]); e^−∞ = 0, e^+∞ = +∞, NaN stays NaN, results below 2⁻¹²⁶
 * are gradual underflow.
 *
 * e^x = 2^k · e^r with k = round(x·log₂e) and r = x − k·ln 2 ∈ [−ln2/2, ln2/2] (±1 ulp of slack).
 * e^r is its Taylor polynomial of degree 7: the remainder r⁸/8! ≤ 0.347⁸/40320 ≈ 5.3·10⁻⁹ is
 * below a tenth of an f32 ulp of e^r. It is evaluated as 1 + (r + r²·Q(r)), with
 * Q(r) = 1/2 + r/6 + … + r⁵/5040 in Estrin's scheme (three independent pairs, combined in r²):
 * a shorter dependency chain than Horner's seven steps, and as accurate, because r²·Q ≤ 0.07
 * carries Q's rounding errors at a tenth of their size and only the last two additions round at
 * full weight. 2^k is applied as 2^⌊k/2⌋ · 2^(k−⌊k/2⌋): each factor is a normal float for every
 * clamped k, so overflow to +∞ and gradual underflow happen in the last (correctly rounded)
 * multiplication instead of in the exponent bits.
 */
@inline
export function exp4(x: v128): v128 {
  // pmax(a, b) = a < b ? b : a and pmin(a, b) = b < a ? b : a return a when a is NaN, so a NaN
  // lane stays NaN; they are single instructions on x86, where min/max are not.
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(X_MIN)), f32x4.splat(X_MAX));
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(SHIFTER));
  const kf = f32x4.sub(t, f32x4.splat(SHIFTER));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(kf, f32x4.splat(LN2_HI))), f32x4.mul(kf, f32x4.splat(LN2_LO)));
  const r2 = f32x4.mul(r, r);
  const a = f32x4.add(f32x4.mul(r, f32x4.splat(<f32>(1.0 / 6))), f32x4.splat(0.5));
  const b = f32x4.add(f32x4.mul(r, f32x4.splat(<f32>(1.0 / 120))), f32x4.splat(<f32>(1.0 / 24)));
  const c = f32x4.add(f32x4.mul(r, f32x4.splat(<f32>(1.0 / 5040))), f32x4.splat(<f32>(1.0 / 720)));
  const q = f32x4.add(a, f32x4.mul(r2, f32x4.add(b, f32x4.mul(r2, c))));
  const p = f32x4.add(f32x4.splat(1), f32x4.add(r, f32x4.mul(r2, q)));
  // k = bits(t) − bits(SHIFTER), exact since both lie in [2²³, 2²⁴).
  const k = i32x4.sub(t, f32x4.splat(SHIFTER));
  const k1 = i32x4.shr_s(k, 1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(k1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(k, k1), bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * e^−|x| on each lane: the one exponential that both σ(x) and 1 − σ(x) are built from. It lies in
 * (0, 1] and never overflows, whatever x.
 */
@inline
export function expNegAbs4(x: v128): v128 {
  return exp4(f32x4.neg(f32x4.abs(x)));
}

/**
 * σ(x) = 1 / (1 + e^−x) on each lane, given e = expNegAbs4(x): σ(|x|) = 1/(1 + e) and
 * σ(−|x|) = e/(1 + e), and the sign of x picks one. Because e^−|−x| = e^−|x|,
 * `sigmoidFromExp4(−x, e)` is 1 − σ(x) = σ(−x) at full relative precision — never 1 − (a number
 * near 1), which SiLU's derivative would otherwise lose for large x.
 */
@inline
export function sigmoidFromExp4(x: v128, e: v128): v128 {
  const big = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(big, f32x4.mul(e, big), f32x4.ge(x, f32x4.splat(0)));
}
