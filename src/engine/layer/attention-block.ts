/**
 * A layer's attention block on the kernels: the attention half of every layer the engine runs,
 * for `EngineModel` (a whole model, optionally with a KV cache) and `runLayer` (one golden module
 * with the caller's rotary tables and λinit depth).
 *
 *   q, k, v = n1 Wqᵀ, n1 Wkᵀ, n1 Wvᵀ; rotary(q), rotary(k)   n1: [N, C] → q: [N, Qw], k: [N, Kw], v: [N, Vw]
 *   V2: lam = n1 Wλᵀ, σ = sigmoid(lam)                        lam, σ: [N, H]
 *   z = Attention(q, k, v)                                    z: [N, Ow] (V1: norm, gain, (1 − λinit) inside)
 *   attnOut = z Woᵀ                                           [N, C]
 */
import { lambdaInit } from '../../ref/index.js';
import type { Attention, AttentionScalars } from '../attention.js';
import type { AttentionLayout } from '../attention-desc.js';
import { gemmPtr } from '../gemm.js';
import { accumulatePtr, rotaryPtr, sigmoidBwdPtr, sigmoidFwdPtr } from '../kernels/index.js';
import type { WasmModule } from '../wasm.js';
import type { LayerActs } from '../model/memory.js';
import type { LayerTemps } from './layer-memory.js';
import type { LayerSpec } from './layer-spec.js';

/** The buffers a layer's kernel calls read and write (planned by `EngineModel` or `runLayer`). */
export interface LayerBuffers {
  /** Forward activations; `n1` is the attention's input (for a bare attention module, `x` itself). */
  acts: LayerActs;
  /** Backward temporaries. */
  temps: LayerTemps;
  /** The attention block's output z Woᵀ: [N, C] (for a bare attention module, the output y). */
  attnOut: number;
  /** Decoder: the FFN's output m W2ᵀ [N, C], and where the layer's output y = h + ffnOut goes. */
  ffnOut: number;
  y: number;
  /** Rotary tables [ropeRows, rotaryHalf]. */
  cos: number;
  sin: number;
  gemmScratch: number;
  attnScratch: number;
}

/** Where a forward's keys and values come from and go: the KV cache of inference. */
export type CacheUse =
  | { kind: 'none' }
  | { kind: 'fill'; kCache: number; vCache: number; maxT: number }
  | { kind: 'decode'; kCache: number; vCache: number; maxT: number; pos: number };

/** Everything a run's kernel calls need: the module, the spec, the kernels and the buffers. */
export interface LayerContext {
  wasm: WasmModule;
  spec: LayerSpec;
  layout: AttentionLayout;
  attention: Attention;
  B: number;
  T: number;
  mem: LayerBuffers;
  /** Rows of the rotary tables (positions 0 … ropeRows − 1). */
  ropeRows: number;
  /** Pointer of parameter `name` (a per-layer name, e.g. `attn.q_proj.weight`). */
  param(name: string): number;
  /** Pointer of the gradient of parameter `name`. */
  grad(name: string): number;
}

/**
 * The V1 scalars the kernel takes, from the loaded λ vectors (dots in float64, as
 * EngineModelState.attentionScalars): λ = e^(λq1·λk1) − e^(λq2·λk2) + λinit (equation (2)).
 */
export function attentionScalars(c: LayerContext): AttentionScalars {
  if (!c.spec.v1) return {};
  const { d1, d2 } = lambdaDots(c);
  const init = lambdaInit(c.spec.v1.depth);
  return { lambda: Math.exp(d1) - Math.exp(d2) + init, lambdaInit: init, eps: c.spec.v1.sublnEps };
}

/**
 * Forward of the block on `acts.n1`; leaves z Woᵀ in `mem.attnOut` and every activation the
 * backward reads. With a cache, `fill` also stores k and v at positions 0 … T−1, and `decode` runs
 * one new position per row (T = 1) at `pos` against the cached ones.
 */
export function attentionBlockForward(c: LayerContext, scalars: AttentionScalars, cache: CacheUse = { kind: 'none' }): void {
  const { wasm, layout: L, mem, B, T } = c;
  const a = mem.acts;
  const N = B * T, C = c.spec.dModel;
  const proj = (w: string, dst: number, width: number): void => gemmPtr(wasm, 'nt', a.n1, c.param(w), dst, N, width, C, false, mem.gemmScratch);
  proj('attn.q_proj.weight', a.q, L.Hq * L.d);
  proj('attn.k_proj.weight', a.k, L.Hk * L.d);
  proj('attn.v_proj.weight', a.v, L.Hv * L.dv);
  rotate(c, a.q, a.k, 1, cache.kind === 'decode' ? cache.pos : 0);
  if (L.kind === 'diff_v2') {
    proj('attn.lambda_proj.weight', a.lam, L.H);
    sigmoidFwdPtr(wasm, a.lam, a.sig, N * L.H);
  }
  const gain = c.spec.v1?.sublnAffine ? c.param('attn.subln.weight') : 0;
  if (cache.kind === 'decode') {
    c.attention.decodePtr(B, cache.maxT, cache.pos, {
      q: a.q, kNew: a.k, vNew: a.v, kCache: cache.kCache, vCache: cache.vCache, out: a.z, sigma: a.sig, gain, scratch: mem.attnScratch,
    }, scalars);
  } else {
    c.attention.forwardPtr(B, T, { q: a.q, k: a.k, v: a.v, out: a.z, lse: a.lse, rstd: a.rstdA, sigma: a.sig, gain, scratch: mem.attnScratch }, scalars);
    if (cache.kind === 'fill') c.attention.cacheWritePtr(B, cache.maxT, 0, T, { k: a.k, v: a.v, kCache: cache.kCache, vCache: cache.vCache });
  }
  gemmPtr(wasm, 'nt', a.z, c.param(`attn.${c.spec.outProj}.weight`), mem.attnOut, N, C, L.H * L.dv, false, mem.gemmScratch);
}

/**
 * Backward of the block: `dOut` [N, C] holds ∂L/∂attnOut; writes ∂L/∂n1 to `dIn` [N, C] and adds
 * every attention parameter's gradient into its gradient buffer (zeroed by the caller).
 */
export function attentionBlockBackward(c: LayerContext, scalars: AttentionScalars, dOut: number, dIn: number): void {
  const { wasm, layout: L, mem, B, T } = c;
  const a = mem.acts, t = mem.temps;
  const N = B * T, C = c.spec.dModel, Ow = L.H * L.dv;
  const scratch = mem.gemmScratch;
  const out = `attn.${c.spec.outProj}.weight`;
  gemmPtr(wasm, 'nn', dOut, c.param(out), t.dz, N, Ow, C, false, scratch);
  gemmPtr(wasm, 'tn', dOut, a.z, c.grad(out), C, Ow, N, true, scratch);

  const hasGain = c.spec.v1?.sublnAffine ?? false;
  c.attention.backwardPtr(B, T, {
    q: a.q, k: a.k, v: a.v, lse: a.lse, rstd: a.rstdA, sigma: a.sig, gain: hasGain ? c.param('attn.subln.weight') : 0, dy: t.dz,
    dq: t.dq, dk: t.dk, dv: t.dv, dcoef: t.dCoef, dgain: t.dGain, scratch: mem.attnScratch,
  }, scalars);
  if (hasGain) accumulatePtr(wasm, c.grad('attn.subln.weight'), t.dGain, L.dv);
  if (L.kind === 'diff_v1') lambdaBackward(c);

  // ∂L/∂n1 from the λ projection (V2), then from q, k and v.
  let first = true;
  const intoDin = (dy: number, w: string, width: number): void => {
    gemmPtr(wasm, 'nn', dy, c.param(w), dIn, N, C, width, !first, scratch);
    gemmPtr(wasm, 'tn', dy, a.n1, c.grad(w), width, C, N, true, scratch);
    first = false;
  };
  if (L.kind === 'diff_v2') {
    sigmoidBwdPtr(wasm, t.dCoef, a.lam, t.dLam, N * L.H);
    intoDin(t.dLam, 'attn.lambda_proj.weight', L.H);
  }
  rotate(c, t.dq, t.dk, -1, 0);
  intoDin(t.dq, 'attn.q_proj.weight', L.Hq * L.d);
  intoDin(t.dk, 'attn.k_proj.weight', L.Hk * L.d);
  intoDin(t.dv, 'attn.v_proj.weight', L.Hv * L.dv);
}

// Rotary on the q and k rows in place, row r at position pos0 + (r mod T): by +angle (forward) or
// −angle (the backward of the rotation).
function rotate(c: LayerContext, q: number, k: number, sign: 1 | -1, pos0: number): void {
  const { layout: L, mem } = c;
  const shape = { T: c.T, D: L.d, half: c.spec.rotaryHalf, style: c.spec.ropeStyle, pos0, sign };
  rotaryPtr(c.wasm, q, mem.cos, mem.sin, c.B * c.T, c.ropeRows, { ...shape, H: L.Hq });
  rotaryPtr(c.wasm, k, mem.cos, mem.sin, c.B * c.T, c.ropeRows, { ...shape, H: L.Hk });
}

const view = (c: LayerContext, ptr: number, n: number): Float32Array => new Float32Array(c.wasm.memory.buffer, ptr, n);

// λq1·λk1 and λq2·λk2 of the loaded (float32) vectors, in float64.
function lambdaDots(c: LayerContext): { d1: number; d2: number } {
  const v = (n: string): Float32Array => view(c, c.param(`attn.${n}`), c.layout.d);
  const dot = (x: Float32Array, y: Float32Array): number => x.reduce((s, xi, i) => s + xi * y[i], 0);
  return { d1: dot(v('lambda_q1'), v('lambda_k1')), d2: dot(v('lambda_q2'), v('lambda_k2')) };
}

// With dλ from the kernel: ∂L/∂λq1 = dλ·e^(λq1·λk1)·λk1, ∂L/∂λk1 = dλ·e^(λq1·λk1)·λq1, and the same
// with −e^(λq2·λk2) for the second pair; four vectors of size d, on the host in float64.
function lambdaBackward(c: LayerContext): void {
  const dLambda = view(c, c.mem.temps.dCoef, 1)[0];
  const { d1, d2 } = lambdaDots(c);
  const terms: Array<[string, string, number]> = [
    ['lambda_q1', 'lambda_k1', Math.exp(d1)], ['lambda_k1', 'lambda_q1', Math.exp(d1)],
    ['lambda_q2', 'lambda_k2', -Math.exp(d2)], ['lambda_k2', 'lambda_q2', -Math.exp(d2)],
  ];
  for (const [target, other, e] of terms) {
    const g = view(c, c.grad(`attn.${target}`), c.layout.d);
    const o = view(c, c.param(`attn.${other}`), c.layout.d);
    for (let i = 0; i < g.length; i++) g[i] += dLambda * e * o[i];
  }
}
