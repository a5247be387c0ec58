/**
 * The forward pass on the engine, a plain sequence of kernel calls (llm.c style), for training,
 * prefill and single-token decode. Per layer (paper §2.2, equation (4)):
 *
 *   n1 = RMSNorm(x)                                    x, n1: [N, C]
 *   q, k, v = n1 Wqᵀ, n1 Wkᵀ, n1 Wvᵀ; rotary(q, k)     q: [N, Qw], k: [N, Kw], v: [N, Vw]
 *   z = Attention(q, k, v)                             z: [N, Ow] (V1: norm and (1 − λinit) inside)
 *   h = x + z Woᵀ                                      h: [N, C]
 *   n2 = RMSNorm(h); m = silu(n2 Wgᵀ) ⊙ (n2 W1ᵀ)        m: [N, F]
 *   x' = h + m W2ᵀ
 *
 * then the final norm and the LM head: logits [N, V]. N = B·T rows, token-major.
 */
import { gemmPtr } from '../gemm.js';
import { addPtr, embeddingFwdPtr, rmsnormFwdPtr, rotaryPtr, sigmoidFwdPtr, swigluFwdPtr } from '../kernels/index.js';
import type { EngineModelState } from './state.js';

/** How a forward runs: over a whole sequence (training/prefill) or one new position (decode). */
export type ForwardMode =
  | { kind: 'sequence'; B: number; T: number; fillCache: boolean }
  | { kind: 'decode'; B: number; pos: number };

/** Runs the layers and the head on the ids already in `mem.ids`; leaves logits in `mem.logits`. */
export function forward(s: EngineModelState, mode: ForwardMode): void {
  const { wasm, config: c, mem } = s;
  const B = mode.B;
  const T = mode.kind === 'sequence' ? mode.T : 1;
  const N = B * T;
  const C = c.dModel;
  embeddingFwdPtr(wasm, mem.ids, s.param('embed.weight'), s.acts(0).x, N, c.vocabSize, C);
  for (let l = 0; l < c.numLayers; l++) {
    const a = s.acts(l);
    const out = l + 1 < c.numLayers ? s.acts(l + 1).x : mem.xF;
    layerForward(s, l, N, T, mode);
    // x' = h + m W2ᵀ (into the next layer's input).
    gemmPtr(wasm, 'nt', a.m, s.param(`layers.${l}.ffn.w_2.weight`), mem.tmp, N, C, c.ffnHidden, false, mem.gemmScratch);
    addPtr(wasm, a.h, mem.tmp, out, N * C);
  }
  rmsnormFwdPtr(wasm, mem.xF, s.param('norm.weight'), mem.nF, mem.rstdF, N, C, c.normEps);
  gemmPtr(wasm, 'nt', mem.nF, s.headWeight(), mem.logits, N, c.vocabSize, C, false, mem.gemmScratch);
}

// One layer up to the FFN hidden activation m (the caller applies W2 and the residual).
function layerForward(s: EngineModelState, l: number, N: number, T: number, mode: ForwardMode): void {
  const { wasm, config: c, mem } = s;
  const L = mem.attn;
  const a = s.acts(l);
  const p = (name: string): number => s.param(`layers.${l}.${name}`);
  const C = c.dModel, F = c.ffnHidden;
  const proj = (w: string, dst: number, width: number): void => gemmPtr(wasm, 'nt', a.n1, p(w), dst, N, width, C, false, mem.gemmScratch);

  rmsnormFwdPtr(wasm, a.x, p('attn_norm.weight'), a.n1, a.rstd1, N, C, c.normEps);
  proj('attn.q_proj.weight', a.q, L.Hq * L.d);
  proj('attn.k_proj.weight', a.k, L.Hk * L.d);
  proj('attn.v_proj.weight', a.v, L.Hv * L.dv);
  const pos0 = mode.kind === 'decode' ? mode.pos : 0;
  const rope = { T, D: L.d, half: c.rotaryDim / 2, style: c.ropeStyle, pos0, sign: 1 as const };
  rotaryPtr(wasm, a.q, mem.cos, mem.sin, N, s.limits.maxContext, { ...rope, H: L.Hq });
  rotaryPtr(wasm, a.k, mem.cos, mem.sin, N, s.limits.maxContext, { ...rope, H: L.Hk });
  if (L.kind === 'diff_v2') {
    proj('attn.lambda_proj.weight', a.lam, L.H);
    sigmoidFwdPtr(wasm, a.lam, a.sig, N * L.H);
  }
  const attn = s.attention[l];
  const scalars = s.attentionScalars(l);
  const gain = L.kind === 'diff_v1' && c.sublnAffine ? p('attn.subln.weight') : 0;
  if (mode.kind === 'decode') {
    attn.decodePtr(mode.B, s.limits.maxContext, mode.pos, {
      q: a.q, kNew: a.k, vNew: a.v, kCache: mem.kCache[l], vCache: mem.vCache[l], out: a.z, sigma: a.sig, gain, scratch: mem.attnScratch,
    }, scalars);
  } else {
    attn.forwardPtr(mode.B, T, { q: a.q, k: a.k, v: a.v, out: a.z, lse: a.lse, rstd: a.rstdA, sigma: a.sig, gain, scratch: mem.attnScratch }, scalars);
    if (mode.fillCache) {
      attn.cacheWritePtr(mode.B, s.limits.maxContext, 0, T, { k: a.k, v: a.v, kCache: mem.kCache[l], vCache: mem.vCache[l] });
    }
  }
  gemmPtr(wasm, 'nt', a.z, p(L.kind === 'diff_v2' ? 'attn.o_proj.weight' : 'attn.out_proj.weight'), mem.tmp, N, C, L.H * L.dv, false, mem.gemmScratch);
  addPtr(wasm, a.x, mem.tmp, a.h, N * C);
  rmsnormFwdPtr(wasm, a.h, p('ffn_norm.weight'), a.n2, a.rstd2, N, C, c.normEps);
  gemmPtr(wasm, 'nt', a.n2, p('ffn.w_g.weight'), a.g, N, F, C, false, mem.gemmScratch);
  gemmPtr(wasm, 'nt', a.n2, p('ffn.w_1.weight'), a.u, N, F, C, false, mem.gemmScratch);
  swigluFwdPtr(wasm, a.g, a.u, a.m, N * F);
}
