/**
 * SIMD row loops shared by the non-GEMM kernels (norm, rotary, swiglu, embedding, elementwise,
 * cross-entropy, adamw). Internal: not exported from index.ts.
 *
 * Every loop has the same shape: an f32x4 body over the first n & ~3 elements, then a tail of
 * single elements (scalar code, or the body's vector code on one lane via loadLanes/storeLanes),
 * so any n ≥ 0 works and nothing past element n − 1 is ever read or written. Pointers are
 * byte offsets; rows need no alignment (WebAssembly loads and stores accept any address).
 *
 * Reductions accumulate in f32 lanes: lane k sums elements k, k + 4, k + 8, …, so each lane adds
 * about n/4 terms and the worst-case relative error of a sum of n same-sign terms is about
 * (n/4 + 2)·ε, of a signed sum (n/4 + 2)·ε·Σ|terms| — the standard bound for a summation of
 * length n, which is what the tests' tolerance assumes (reduction length n).
 */

/**
 * The four floats at ptr (lanes = 4), or the one float at ptr in every lane (lanes = 1). With
 * `storeLanes`, this lets a scalar tail run the very same vector code as the body, so an element
 * rounds identically wherever it falls; `lanes` is a constant at every call, so the branch folds.
 */
@inline
export function loadLanes(ptr: usize, lanes: i32): v128 {
  return lanes == 4 ? v128.load(ptr) : f32x4.splat(load<f32>(ptr));
}

/** Stores the four lanes of v at ptr (lanes = 4), or lane 0 only (lanes = 1). */
@inline
export function storeLanes(ptr: usize, v: v128, lanes: i32): void {
  if (lanes == 4) v128.store(ptr, v);
  else store<f32>(ptr, f32x4.extract_lane(v, 0));
}

/** The four lanes of v added pairwise: (v0 + v1) + (v2 + v3). */
@inline
export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1))
    + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Σ x². x: [n] → scalar. */
export function sumSquares(x: usize, n: i32): f32 {
  const body = <usize>(n & ~3) << 2;
  let acc = f32x4.splat(0);
  for (let o: usize = 0; o < body; o += 16) {
    const v = v128.load(x + o);
    acc = f32x4.add(acc, f32x4.mul(v, v));
  }
  let s = hsum(acc);
  for (let o = body; o < <usize>n << 2; o += 4) {
    const v = load<f32>(x + o);
    s += v * v;
  }
  return s;
}

/** Σ a⊙b. a, b: [n] → scalar. */
export function dot(a: usize, b: usize, n: i32): f32 {
  const body = <usize>(n & ~3) << 2;
  let acc = f32x4.splat(0);
  for (let o: usize = 0; o < body; o += 16) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = hsum(acc);
  for (let o = body; o < <usize>n << 2; o += 4) s += load<f32>(a + o) * load<f32>(b + o);
  return s;
}

/** max x (NaN if any element is NaN: f32x4.max propagates it). x: [n ≥ 1] → scalar. */
export function maxOf(x: usize, n: i32): f32 {
  const body = <usize>(n & ~3) << 2;
  let m = f32.NEGATIVE_INFINITY;
  if (body > 0) {
    let acc = v128.load(x);
    for (let o: usize = 16; o < body; o += 16) acc = f32x4.max(acc, v128.load(x + o));
    m = max(max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)),
      max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  }
  for (let o = body; o < <usize>n << 2; o += 4) m = max(m, load<f32>(x + o));
  return m;
}

/** dst = s·src (dst may be src). src: [n] → dst: [n] */
export function scaleTo(dst: usize, src: usize, n: i32, s: f32): void {
  const body = <usize>(n & ~3) << 2;
  const sv = f32x4.splat(s);
  for (let o: usize = 0; o < body; o += 16) v128.store(dst + o, f32x4.mul(v128.load(src + o), sv));
  for (let o = body; o < <usize>n << 2; o += 4) store<f32>(dst + o, load<f32>(src + o) * s);
}

/** dst = a + b (dst may be a or b; accumulate is addTo(dst, dst, src)). a, b: [n] → dst: [n] */
export function addTo(dst: usize, a: usize, b: usize, n: i32): void {
  const body = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < body; o += 16) v128.store(dst + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  for (let o = body; o < <usize>n << 2; o += 4) store<f32>(dst + o, load<f32>(a + o) + load<f32>(b + o));
}

/** dst = (s·a)⊙b (dst may be a or b). a, b: [n] → dst: [n] */
export function mulScaledTo(dst: usize, a: usize, b: usize, n: i32, s: f32): void {
  const body = <usize>(n & ~3) << 2;
  const sv = f32x4.splat(s);
  for (let o: usize = 0; o < body; o += 16) {
    v128.store(dst + o, f32x4.mul(f32x4.mul(v128.load(a + o), sv), v128.load(b + o)));
  }
  for (let o = body; o < <usize>n << 2; o += 4) store<f32>(dst + o, load<f32>(a + o) * s * load<f32>(b + o));
}

/** dst = α·a + β·b (dst may be a or b). a, b: [n] → dst: [n] */
export function combineTo(dst: usize, a: usize, b: usize, n: i32, alpha: f32, beta: f32): void {
  const body = <usize>(n & ~3) << 2;
  const av = f32x4.splat(alpha);
  const bv = f32x4.splat(beta);
  for (let o: usize = 0; o < body; o += 16) {
    v128.store(dst + o, f32x4.add(f32x4.mul(v128.load(a + o), av), f32x4.mul(v128.load(b + o), bv)));
  }
  for (let o = body; o < <usize>n << 2; o += 4) store<f32>(dst + o, alpha * load<f32>(a + o) + beta * load<f32>(b + o));
}

/** dst += (a⊙b)·s. a, b: [n] → dst: [n] */
export function addScaledProductTo(dst: usize, a: usize, b: usize, n: i32, s: f32): void {
  const body = <usize>(n & ~3) << 2;
  const sv = f32x4.splat(s);
  for (let o: usize = 0; o < body; o += 16) {
    const p = f32x4.mul(f32x4.mul(v128.load(a + o), v128.load(b + o)), sv);
    v128.store(dst + o, f32x4.add(v128.load(dst + o), p));
  }
  for (let o = body; o < <usize>n << 2; o += 4) {
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(a + o) * load<f32>(b + o) * s);
  }
}
