/**
 * Vector transcendental functions (WebAssembly SIMD has none): e^x, 2^x and the logistic sigmoid
 * on four f32 lanes, the two exponentials over one polynomial. Internal: e^x for swiglu.ts,
 * sigmoid.ts and cross-entropy.ts; 2^x for the attention softmax (scores in base-2 units).
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
// 1.5·2²³ and its bit pattern: adding SHIFTER to |y| < 2²² leaves round(y) (ties to even) in the
// low mantissa bits, so one add replaces f32x4.nearest and the float-to-int conversion, both slow
// on x86; bits(y + SHIFTER) − SHIFTER_BITS is round(y) as an integer.
const SHIFTER: f32 = 12582912;
const SHIFTER_BITS: i32 = 0x4b400000;

// 2^f on f ∈ [−½, ½]: degree-6 polynomial fitted for relative error (Lawson's iteration on
// Chebyshev nodes); evaluated in f32 by Horner its error is below 1·10⁻⁷ = 1.7u (u = 2⁻²⁴;
// measured 1.68u over 2²⁴ points of [−126, 0]).
const P0: f32 = 1.0;
const P1: f32 = 0.6931471824645996;
const P2: f32 = 0.24022646248340607;
const P3: f32 = 0.05550328642129898;
const P4: f32 = 0.009618489071726799;
const P5: f32 = 0.0013399930903688073;
const P6: f32 = 0.0001534581242594868;

// The one polynomial both exponentials share: 2^f for |f| ≤ ½ (plus a rounding's slack).
@inline
function exp2Reduced(f: v128): v128 {
  let p = f32x4.splat(P6);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(P5));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(P1));
  return f32x4.add(f32x4.mul(p, f), f32x4.splat(P0));
}

/**
 * 2^x on each lane for x ≤ 127, for the attention softmax (its arguments are ≤ 0 up to
 * round-off). x is clamped below at −126 so 2^n stays a normal float and one multiply applies
 * it; 2^−126 ≈ 10⁻³⁸ instead of a smaller weight changes no sum. Relative error < 1.7u, from the
 * polynomial: 2^x = 2^n · 2^f, n = round(x), f = x − n ∈ [−½, ½] exactly. `pmax` is x86's
 * maxps: a NaN x stays NaN.
 */
@inline
export function exp2x4(x: v128): v128 {
  const xc = f32x4.pmax(x, f32x4.splat(-126));
  const shifted = f32x4.add(xc, f32x4.splat(SHIFTER));
  const p = exp2Reduced(f32x4.sub(xc, f32x4.sub(shifted, f32x4.splat(SHIFTER))));
  // bits(shifted) = SHIFTER_BITS + n, so (bits(shifted) − SHIFTER_BITS + 127) << 23 = 2^n.
  return f32x4.mul(p, i32x4.shl(i32x4.add(shifted, i32x4.splat(127 - SHIFTER_BITS)), 23));
}

/**
 * e^x on each lane, over the whole float range: e^−∞ = 0, e^+∞ = +∞, NaN stays NaN, results
 * below 2⁻¹²⁶ are gradual underflow. Relative error below 2.5u (measured against float64 at 2²⁴
 * points spanning [−104, 89]: 2.1u; the degree-7 Taylor polynomial it had before sharing
 * `exp2x4`'s measured 1.45u).
 *
 * e^x = 2^k · 2^f with k = round(x·log₂e), r = x − k·ln 2 ∈ [−ln2/2, ln2/2] (±1 ulp of slack;
 * Cody–Waite, so r carries no error from k·ln 2) and f = r·log₂e, through the same polynomial
 * as `exp2x4`: its 1.7u, plus ≤ 0.35u each from rounding f and log₂e (2^f's relative change
 * is ln2·|f| ≤ 0.35 times f's). 2^k is applied as 2^⌊k/2⌋ · 2^(k−⌊k/2⌋): each factor is a
 * normal float for every clamped k, so overflow to +∞ and gradual underflow happen in the last
 * (correctly rounded) multiplication instead of in the exponent bits.
 */
@inline
export function exp4(x: v128): v128 {
  // pmax(a, b) = a < b ? b : a and pmin(a, b) = b < a ? b : a return a when a is NaN, so a NaN
  // lane stays NaN; they are single instructions on x86, where min/max are not.
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(X_MIN)), f32x4.splat(X_MAX));
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(SHIFTER));
  const kf = f32x4.sub(t, f32x4.splat(SHIFTER));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(kf, f32x4.splat(LN2_HI))), f32x4.mul(kf, f32x4.splat(LN2_LO)));
  const p = exp2Reduced(f32x4.mul(r, f32x4.splat(LOG2E)));
  // k = bits(t) − SHIFTER_BITS, exact since t lies in [2²³, 2²⁴).
  const k = i32x4.sub(t, i32x4.splat(SHIFTER_BITS));
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
