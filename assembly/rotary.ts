/**
 * Rotary position embedding, in place. Each channel pair (a, b) of a head at position p turns by
 * the angle p·ω_j, whose cosine and sine the host tabulates:
 *   a' = a·cos − b·s,   b' = b·cos + a·s,   s = sign·sin
 * A rotation's Jacobian is the rotation itself, so its transpose (the backward) is the rotation
 * by −angle: the same kernel with sign = −1 (see src/ref/ops/rotary.ts).
 *
 * Pairs: interleaved (GPT-J, the official code) (2j, 2j+1); half (GPT-NeoX, rotate_half)
 * (j, j + half). Channels ≥ 2·half pass through (partial rotary). No reductions: each output is
 * a two-term dot product, at most a few ulp from the exact value.
 */
import { assertRange } from './checks';

/**
 * x: [rows = B·T, H, D] in place, where row r holds position pos0 + (r mod T);
 * cos, sin: [maxPos, half] with pos0 + T ≤ maxPos (host-checked) and 2·half ≤ D.
 * interleaved: 1 → pairs (2j, 2j+1), 0 → (j, j + half). sign: +1 forward, −1 backward.
 * Decode calls it with T = 1 and pos0 = the token's position.
 */
export function rotary_fwd(x: usize, cos: usize, sin: usize, rows: i32, T: i32, H: i32, D: i32, half: i32,
  interleaved: i32, pos0: i32, sign: i32): void {
  assert(rows >= 0 && T >= 1 && H >= 1 && D >= 1 && half >= 0 && 2 * half <= D && pos0 >= 0
    && (sign == 1 || sign == -1), 'rotary: bad sizes');
  assertRange(x, <u64>rows * H * D * 4, 'rotary: x outside memory');
  assertRange(cos, <u64>(pos0 + T) * half * 4, 'rotary: cos outside memory');
  assertRange(sin, <u64>(pos0 + T) * half * 4, 'rotary: sin outside memory');
  const s = <f32>sign;
  const headBytes = <usize>D << 2;
  const tableBytes = <usize>half << 2;
  for (let row = 0; row < rows; row++) {
    const t = <usize>(pos0 + row % T) * tableBytes;
    for (let h = 0; h < H; h++) {
      const head = x + (<usize>row * H + h) * headBytes;
      if (interleaved != 0) rotateInterleaved(head, cos + t, sin + t, half, s);
      else rotateHalves(head, head + tableBytes, cos + t, sin + t, half, s);
    }
  }
}

// Pairs (a[j], b[j]) for j < half, a and b two runs of floats (the two halves of a head).
// a, b: [half] in place; c, sn: [half]
function rotateHalves(a: usize, b: usize, c: usize, sn: usize, half: i32, sign: f32): void {
  const body = <usize>(half & ~3) << 2;
  const sv = f32x4.splat(sign);
  for (let o: usize = 0; o < body; o += 16) {
    const av = v128.load(a + o);
    const bv = v128.load(b + o);
    const cv = v128.load(c + o);
    const s = f32x4.mul(v128.load(sn + o), sv);
    v128.store(a + o, f32x4.sub(f32x4.mul(av, cv), f32x4.mul(bv, s)));
    v128.store(b + o, f32x4.add(f32x4.mul(bv, cv), f32x4.mul(av, s)));
  }
  for (let o = body; o < <usize>half << 2; o += 4) rotatePair(a + o, b + o, load<f32>(c + o), load<f32>(sn + o) * sign);
}

// Pairs (x[2j], x[2j+1]) for j < half. Four pairs per step: two vectors [a0 b0 a1 b1] [a2 b2 a3 b3]
// are de-interleaved into [a0..a3] and [b0..b3], rotated, and interleaved back.
// x: [2·half] in place; c, sn: [half]
function rotateInterleaved(x: usize, c: usize, sn: usize, half: i32, sign: f32): void {
  const quads = half >> 2;
  const sv = f32x4.splat(sign);
  for (let q = 0; q < quads; q++) {
    const px = x + (<usize>q << 5);
    const pt = <usize>q << 4;
    const lo = v128.load(px);
    const hi = v128.load(px, 16);
    const av = v128.shuffle<f32>(lo, hi, 0, 2, 4, 6);
    const bv = v128.shuffle<f32>(lo, hi, 1, 3, 5, 7);
    const cv = v128.load(c + pt);
    const s = f32x4.mul(v128.load(sn + pt), sv);
    const ar = f32x4.sub(f32x4.mul(av, cv), f32x4.mul(bv, s));
    const br = f32x4.add(f32x4.mul(bv, cv), f32x4.mul(av, s));
    v128.store(px, v128.shuffle<f32>(ar, br, 0, 4, 1, 5));
    v128.store(px, v128.shuffle<f32>(ar, br, 2, 6, 3, 7), 16);
  }
  for (let j = quads << 2; j < half; j++) {
    const o = <usize>j << 2;
    rotatePair(x + (o << 1), x + (o << 1) + 4, load<f32>(c + o), load<f32>(sn + o) * sign);
  }
}

// One pair in place: (a, b) ← (a·c − b·s, b·c + a·s).
@inline
function rotatePair(pa: usize, pb: usize, c: f32, s: f32): void {
  const a = load<f32>(pa);
  const b = load<f32>(pb);
  store<f32>(pa, a * c - b * s);
  store<f32>(pb, b * c + a * s);
}
