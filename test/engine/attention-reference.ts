/**
 * The float64 oracle of the fused attention kernels: the attention core of the reference modules
 * (src/ref/nn/diff-attention.ts, diff-attention-v2.ts, attention.ts — everything between the
 * rotary embedding and the output projection), rebuilt from the same primitive ops on the same
 * float32 inputs, with the reference's own head tables, and differentiated by the reference's
 * autograd with the same upstream gradient the kernels get.
 */
import {
  Tensor, causalMaps, indexSelect, matmul, mul, permute, reshape, rmsnorm, scale, slice, sub,
} from '../../src/ref/index.js';
import type { AttentionLayout } from '../../src/engine/attention-desc.js';

/** One random case: the layer layout, sizes, float32 inputs and the variant's parameters. */
export interface AttentionCase {
  L: AttentionLayout;
  B: number;
  T: number;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** Upstream gradient of the output, [B·T, H·dv]. */
  dy: Float32Array;
  /** V1. */
  lambda: number;
  lambdaInit: number;
  eps: number;
  gain: Float32Array | null;
  /** V2: σ [B·T, H]. */
  sigma: Float32Array | null;
}

export interface ReferenceResult {
  out: Float64Array;
  /** ln Σ_u exp(q_h·k_u/√d) per map: [B, Hq, T]. */
  lse: Float64Array;
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
  dlambda: number | null;
  dsigma: Float64Array | null;
  dgain: Float64Array | null;
}

// x: [B·T, heads·D] → leaf [B, T, heads, D]
function leaf(x: Float32Array, B: number, T: number, heads: number, D: number): Tensor {
  return new Tensor(Float64Array.from(x), [B, T, heads, D], true);
}

// [B, T, heads, D] → [B, heads, T, D]
function heads(x: Tensor): Tensor {
  return permute(x, [0, 2, 1, 3]);
}

/** The reference forward and backward of one case. */
export function referenceAttention(c: AttentionCase): ReferenceResult {
  const { L, B, T } = c;
  const q = leaf(c.q, B, T, L.Hq, L.d);
  const k = leaf(c.k, B, T, L.Hk, L.d);
  const v = leaf(c.v, B, T, L.Hv, L.dv);
  const maps = causalMaps(heads(q), heads(k), Array.from(L.kHead)); // [B, Hq, T, T]
  const vh = heads(v);
  let lambda: Tensor | null = null;
  let sigma: Tensor | null = null;
  let gain: Tensor | null = null;
  let o: Tensor; // [B, H, T, dv]
  if (L.kind === 'diff_v1') {
    const pairs = reshape(maps, [B, L.H, 2, T, T]);
    const a1 = reshape(slice(pairs, 2, 0, 1), [B, L.H, T, T]);
    const a2 = reshape(slice(pairs, 2, 1, 2), [B, L.H, T, T]);
    lambda = Tensor.scalar(c.lambda, true);
    const perHead = Array.from({ length: L.H }, (_, i) => L.vHead[2 * i]);
    const pre = matmul(sub(a1, mul(lambda, a2)), indexSelect(vh, 1, perHead));
    gain = c.gain === null ? null : new Tensor(Float64Array.from(c.gain), [L.dv], true);
    o = scale(rmsnorm(pre, gain, c.eps), 1 - c.lambdaInit);
  } else {
    const a = matmul(maps, indexSelect(vh, 1, Array.from(L.vHead))); // [B, Hq, T, d]
    if (L.kind === 'diff_v2') {
      const pairs = reshape(a, [B, L.H, 2, T, L.d]);
      sigma = new Tensor(Float64Array.from(c.sigma!), [B, T, L.H], true);
      const perRow = reshape(permute(sigma, [0, 2, 1]), [B, L.H, T, 1]);
      o = sub(reshape(slice(pairs, 2, 0, 1), [B, L.H, T, L.d]), mul(perRow, reshape(slice(pairs, 2, 1, 2), [B, L.H, T, L.d])));
    } else {
      o = a;
    }
  }
  const out = reshape(permute(o, [0, 2, 1, 3]), [B * T, L.H * L.dv]);
  out.backward(Float64Array.from(c.dy));
  return {
    out: out.data,
    lse: logSumExps(c),
    dq: q.grad!, dk: k.grad!, dv: v.grad!,
    dlambda: lambda?.grad![0] ?? null,
    dsigma: sigma?.grad ?? null,
    dgain: gain?.grad ?? null,
  };
}

// ln Σ_{u≤t} exp(q_h[t]·k_κ(h)[u]/√d), by the max-shifted sum in f64. → [B, Hq, T]
function logSumExps(c: AttentionCase): Float64Array {
  const { L, B, T } = c;
  const out = new Float64Array(B * L.Hq * T);
  const s = 1 / Math.sqrt(L.d);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < L.Hq; h++) {
      for (let t = 0; t < T; t++) {
        const scores = Array.from({ length: t + 1 }, (_, u) => {
          let dot = 0;
          for (let ch = 0; ch < L.d; ch++) {
            dot += c.q[((b * T + t) * L.Hq + h) * L.d + ch] * c.k[((b * T + u) * L.Hk + L.kHead[h]) * L.d + ch];
          }
          return dot * s;
        });
        const m = Math.max(...scores);
        out[(b * L.Hq + h) * T + t] = m + Math.log(scores.reduce((acc, x) => acc + Math.exp(x - m), 0));
      }
    }
  }
  return out;
}
