import { check } from '../../errors.js';
import { Tensor } from '../tensor.js';

/**
 * How rotary embedding pairs the channels of a head:
 * - `interleaved` (GPT-J, the official Diff-Transformer code): pairs (2j, 2j+1);
 * - `half` (GPT-NeoX / Llama `rotate_half`, DiffLlama): pairs (j, j + r/2).
 */
export type RotaryStyle = 'interleaved' | 'half';

/**
 * Rotary position embedding on x: [B, T, H, D] with tables cos, sin: [T, r/2] (r = rotary dim ≤ D,
 * even). Pair (a, b) of position t rotates by angle t·ω_j:
 *   a' = a·cos − b·sin,   b' = b·cos + a·sin
 * Channels c ≥ r pass through unchanged (partial rotary).
 *
 * Backward: a rotation's Jacobian is the rotation itself, so its transpose rotates by −angle:
 *   ∂L/∂a = g_a'·cos + g_b'·sin,   ∂L/∂b = −g_a'·sin + g_b'·cos
 */
export function rotary(x: Tensor, cos: Tensor, sin: Tensor, style: RotaryStyle): Tensor {
  check(style === 'interleaved' || style === 'half', 'value', () => `rotary: style must be 'interleaved' or 'half', got '${style}'`);
  check(x.ndim === 4, 'shape', () => `rotary: x must be [B, T, H, D], got [${x.shape}]`);
  const [B, T, H, D] = x.shape;
  check(cos.ndim === 2 && cos.shape[0] >= T && sin.shape.length === 2 && sin.shape.every((d, i) => d === cos.shape[i]),
    'shape', () => `rotary: cos and sin must both be [≥${T}, r/2], got [${cos.shape}] and [${sin.shape}]`);
  const half = cos.shape[1];
  check(2 * half <= D, 'shape', () => `rotary: rotary dim ${2 * half} exceeds head dim ${D}`);
  const pair = (j: number): [number, number] => (style === 'interleaved' ? [2 * j, 2 * j + 1] : [j, j + half]);
  const rotate = (src: Float64Array, sign: 1 | -1): Float64Array => {
    const out = src.slice();
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let h = 0; h < H; h++) {
          const o = ((b * T + t) * H + h) * D;
          for (let j = 0; j < half; j++) {
            const c = cos.data[t * half + j], s = sign * sin.data[t * half + j];
            const [ia, ib] = pair(j);
            const a = src[o + ia], bb = src[o + ib];
            out[o + ia] = a * c - bb * s;
            out[o + ib] = bb * c + a * s;
          }
        }
      }
    }
    return out;
  };
  return Tensor.fromOp(rotate(x.data, 1), x.shape, 'rotary', [x], (g) => [rotate(g, -1)]);
}
