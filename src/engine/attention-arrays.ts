/**
 * Float32Array-level calls of the attention kernels, for tests and users: the arrays are checked
 * against the layer's shapes, copied into the arena, the kernel runs, the results are copied out
 * and the arena is reset. Outputs and scratch are staged filled with NaN, so a kernel that reads
 * scratch it never wrote, or leaves an output element unwritten, shows up as NaN.
 * Shapes as in attention.ts.
 */
import type { Arena } from './arena.js';
import type { Attention, AttentionScalars } from './attention.js';
import { checkArray, checkSize, readF32, staged } from './kernels/boundary.js';

/** Prefill inputs: q: [B·T, M·H·d], k: [B·T, Hk·d], v: [B·T, Hv·dv], σ (V2): [B·T, H], gain (V1): [dv]. */
export interface AttentionInputs {
  B: number;
  T: number;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  sigma?: Float32Array;
  gain?: Float32Array | null;
}

export interface ForwardResult {
  out: Float32Array;
  lse: Float32Array;
  /** V1 only. */
  rstd: Float32Array | null;
}

export interface BackwardResult {
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
  /** V1: dλ. */
  dlambda: number | null;
  /** V2: ∂L/∂σ [B·T, H]. */
  dsigma: Float32Array | null;
  /** V1 with a gain. */
  dgain: Float32Array | null;
}

/** Prefill forward. → out: [B·T, H·dv], lse: [B, M·H, T], rstd (V1): [B, H, T] */
export function attentionForward(attn: Attention, arena: Arena, x: AttentionInputs, scalars: AttentionScalars = {}): ForwardResult {
  const L = attn.layout;
  const { B, T } = x;
  checkInputs(attn, x);
  const v1 = L.kind === 'diff_v1';
  const out = nan(B * T * L.H * L.dv);
  const lse = nan(B * L.Hq * T);
  const rstd = nan(v1 ? B * L.H * T : 0);
  const scratch = nan(attn.forwardScratchBytes(B, T) / 4);
  return staged(arena, [x.q, x.k, x.v, out, lse, rstd, scratch, ...extras(x)], (ptr) => {
    const [q, k, v, o, l, r, s] = ptr;
    const { sigma, gain } = extraPtrs(x, ptr.slice(7));
    attn.forwardPtr(B, T, { q, k, v, out: o, lse: l, rstd: v1 ? r : 0, sigma, gain, scratch: s }, scalars);
    return { out: readF32(arena, o, out.length), lse: readF32(arena, l, lse.length), rstd: v1 ? readF32(arena, r, rstd.length) : null };
  });
}

/** Prefill backward from the forward's saved statistics and dy: [B·T, H·dv]. */
export function attentionBackward(attn: Attention, arena: Arena, x: AttentionInputs & { lse: Float32Array; rstd: Float32Array | null; dy: Float32Array },
  scalars: AttentionScalars = {}): BackwardResult {
  const L = attn.layout;
  const { B, T } = x;
  checkInputs(attn, x);
  const op = 'attention_backward';
  checkArray(op, 'lse', x.lse, Float32Array, [B, L.Hq, T]);
  checkArray(op, 'dy', x.dy, Float32Array, [B * T, L.H * L.dv]);
  const v1 = L.kind === 'diff_v1';
  if (v1) checkArray(op, 'rstd', x.rstd, Float32Array, [B, L.H, T]);
  const rstd = v1 ? x.rstd! : new Float32Array(0);
  const dq = nan(B * T * L.Hq * L.d);
  const dk = nan(B * T * L.Hk * L.d);
  const dv = nan(B * T * L.Hv * L.dv);
  const dcoef = nan(L.kind === 'diff_v2' ? B * T * L.H : 1);
  const hasGain = v1 && x.gain != null;
  const dgain = nan(hasGain ? L.dv : 0);
  const scratch = nan(attn.backwardScratchBytes(B, T) / 4);
  return staged(arena, [x.q, x.k, x.v, x.lse, rstd, x.dy, dq, dk, dv, dcoef, dgain, scratch, ...extras(x)], (ptr) => {
    const [q, k, v, lse, r, dy, pdq, pdk, pdv, pdc, pdg, s] = ptr;
    const { sigma, gain } = extraPtrs(x, ptr.slice(12));
    attn.backwardPtr(B, T, {
      q, k, v, lse, rstd: v1 ? r : 0, sigma, gain, dy, dq: pdq, dk: pdk, dv: pdv, dcoef: pdc, dgain: hasGain ? pdg : 0, scratch: s,
    }, scalars);
    return {
      dq: readF32(arena, pdq, dq.length), dk: readF32(arena, pdk, dk.length), dv: readF32(arena, pdv, dv.length),
      dlambda: v1 ? readF32(arena, pdc, 1)[0] : null,
      dsigma: L.kind === 'diff_v2' ? readF32(arena, pdc, dcoef.length) : null,
      dgain: hasGain ? readF32(arena, pdg, L.dv) : null,
    };
  });
}

/**
 * One decode step on copies of the caches. q: [B, M·H·d], kNew: [B, Hk·d], vNew: [B, Hv·dv],
 * kCache: [B, maxT, Hk·d], vCache: [B, maxT, Hv·dv], σ (V2): [B, H]
 * → out: [B, H·dv] and the caches with position pos written.
 */
export function attentionDecode(attn: Attention, arena: Arena,
  x: { B: number; maxT: number; pos: number; q: Float32Array; kNew: Float32Array; vNew: Float32Array;
    kCache: Float32Array; vCache: Float32Array; sigma?: Float32Array; gain?: Float32Array | null },
  scalars: AttentionScalars = {}): { out: Float32Array; kCache: Float32Array; vCache: Float32Array } {
  const L = attn.layout;
  const { B, maxT } = x;
  checkInputs(attn, { B, T: 1, q: x.q, k: x.kNew, v: x.vNew, sigma: x.sigma, gain: x.gain });
  const op = 'attention_decode';
  checkArray(op, 'kCache', x.kCache, Float32Array, [B, maxT, L.Hk * L.d]);
  checkArray(op, 'vCache', x.vCache, Float32Array, [B, maxT, L.Hv * L.dv]);
  const out = nan(B * L.H * L.dv);
  const scratch = nan(attn.decodeScratchBytes(B, maxT) / 4);
  return staged(arena, [x.q, x.kNew, x.vNew, x.kCache, x.vCache, out, scratch, ...extras(x)], (ptr) => {
    const [q, kNew, vNew, kCache, vCache, o, s] = ptr;
    const { sigma, gain } = extraPtrs(x, ptr.slice(7));
    attn.decodePtr(B, maxT, x.pos, { q, kNew, vNew, kCache, vCache, out: o, sigma, gain, scratch: s }, scalars);
    return {
      out: readF32(arena, o, out.length), kCache: readF32(arena, kCache, x.kCache.length), vCache: readF32(arena, vCache, x.vCache.length),
    };
  });
}

/** Writes n tokens per batch row into copies of the caches. k: [B·n, Hk·d], v: [B·n, Hv·dv]. */
export function attentionCacheWrite(attn: Attention, arena: Arena,
  x: { B: number; maxT: number; pos: number; n: number; k: Float32Array; v: Float32Array; kCache: Float32Array; vCache: Float32Array }):
  { kCache: Float32Array; vCache: Float32Array } {
  const L = attn.layout;
  const op = 'attention_cache_write';
  checkArray(op, 'k', x.k, Float32Array, [x.B * x.n, L.Hk * L.d]);
  checkArray(op, 'v', x.v, Float32Array, [x.B * x.n, L.Hv * L.dv]);
  checkArray(op, 'kCache', x.kCache, Float32Array, [x.B, x.maxT, L.Hk * L.d]);
  checkArray(op, 'vCache', x.vCache, Float32Array, [x.B, x.maxT, L.Hv * L.dv]);
  return staged(arena, [x.k, x.v, x.kCache, x.vCache], ([k, v, kCache, vCache]) => {
    attn.cacheWritePtr(x.B, x.maxT, x.pos, x.n, { k, v, kCache, vCache });
    return { kCache: readF32(arena, kCache, x.kCache.length), vCache: readF32(arena, vCache, x.vCache.length) };
  });
}

function checkInputs(attn: Attention, x: AttentionInputs): void {
  const L = attn.layout;
  const op = 'attention';
  checkSize(op, 'B', x.B);
  checkSize(op, 'T', x.T);
  const n = x.B * x.T;
  checkArray(op, 'q', x.q, Float32Array, [n, L.Hq * L.d]);
  checkArray(op, 'k', x.k, Float32Array, [n, L.Hk * L.d]);
  checkArray(op, 'v', x.v, Float32Array, [n, L.Hv * L.dv]);
  if (x.sigma !== undefined) checkArray(op, 'sigma', x.sigma, Float32Array, [n, L.H]);
  if (x.gain != null) checkArray(op, 'gain', x.gain, Float32Array, [L.dv]);
}

// σ and the gain, staged after the fixed arrays when present.
function extras(x: { sigma?: Float32Array; gain?: Float32Array | null }): Float32Array[] {
  return [...(x.sigma !== undefined ? [x.sigma] : []), ...(x.gain != null ? [x.gain] : [])];
}

function extraPtrs(x: { sigma?: Float32Array; gain?: Float32Array | null }, ptrs: number[]): { sigma: number; gain: number } {
  const sigma = x.sigma !== undefined ? ptrs.shift()! : 0;
  const gain = x.gain != null ? ptrs.shift()! : 0;
  return { sigma, gain };
}

function nan(n: number): Float32Array {
  return new Float32Array(n).fill(NaN);
}
