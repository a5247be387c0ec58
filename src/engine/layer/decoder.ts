/**
 * One layer on the kernels, forward and backward: a bare attention module, or a pre-norm decoder
 * layer (paper §2.2, equation (4)) around it. Shared by `EngineModel` and `runLayer`.
 *
 *   decoder layer:                                          bare attention module:
 *     n1 = RMSNorm(x);  h = x + AttentionBlock(n1)            y = AttentionBlock(x)
 *     n2 = RMSNorm(h);  m = silu(n2 Wgᵀ) ⊙ (n2 W1ᵀ)
 *     y = h + m W2ᵀ
 *
 * x, y: [N, C] token-major (N = B·T); AttentionBlock in attention-block.ts.
 */
import type { AttentionScalars } from '../attention.js';
import { gemmPtr } from '../gemm.js';
import { accumulatePtr, addPtr, rmsnormBwdPtr, rmsnormFwdPtr, swigluBwdPtr, swigluFwdPtr } from '../kernels/index.js';
import { attentionBlockBackward, attentionBlockForward, type CacheUse, type LayerContext } from './attention-block.js';

/** Forward from `acts.x` to `mem.y`, keeping every activation the backward reads. */
export function layerForward(c: LayerContext, scalars: AttentionScalars, cache: CacheUse = { kind: 'none' }): void {
  const { wasm, mem, spec } = c;
  const a = mem.acts;
  const N = c.B * c.T, C = spec.dModel;
  if (!spec.decoder) {
    attentionBlockForward(c, scalars, cache);
    return;
  }
  const F = spec.decoder.ffnHidden, eps = spec.decoder.normEps;
  rmsnormFwdPtr(wasm, a.x, c.param('attn_norm.weight'), a.n1, a.rstd1, N, C, eps);
  attentionBlockForward(c, scalars, cache);
  addPtr(wasm, a.x, mem.attnOut, a.h, N * C);
  rmsnormFwdPtr(wasm, a.h, c.param('ffn_norm.weight'), a.n2, a.rstd2, N, C, eps);
  gemmPtr(wasm, 'nt', a.n2, c.param('ffn.w_g.weight'), a.g, N, F, C, false, mem.gemmScratch);
  gemmPtr(wasm, 'nt', a.n2, c.param('ffn.w_1.weight'), a.u, N, F, C, false, mem.gemmScratch);
  swigluFwdPtr(wasm, a.g, a.u, a.m, N * F);
  gemmPtr(wasm, 'nt', a.m, c.param('ffn.w_2.weight'), mem.ffnOut, N, C, F, false, mem.gemmScratch);
  addPtr(wasm, a.h, mem.ffnOut, mem.y, N * C);
}

/**
 * The forward in reverse from ∂L/∂y in `temps.dX`; parameter gradients accumulate. Returns the
 * pointer holding ∂L/∂x (`temps.dX` for a decoder layer, `temps.dTmp` for a bare module).
 */
export function layerBackward(c: LayerContext, scalars: AttentionScalars): number {
  const { wasm, mem, spec } = c;
  const a = mem.acts, t = mem.temps;
  const N = c.B * c.T, C = spec.dModel;
  if (!spec.decoder) {
    attentionBlockBackward(c, scalars, t.dX, t.dTmp);
    return t.dTmp;
  }
  // y = h + m W2ᵀ: dX becomes ∂L/∂h (the residual plus the FFN branch through its norm).
  const F = spec.decoder.ffnHidden, scratch = mem.gemmScratch;
  gemmPtr(wasm, 'nn', t.dX, c.param('ffn.w_2.weight'), t.dM, N, F, C, false, scratch);
  gemmPtr(wasm, 'tn', t.dX, a.m, c.grad('ffn.w_2.weight'), C, F, N, true, scratch);
  swigluBwdPtr(wasm, t.dM, a.g, a.u, t.dG, t.dU, N * F);
  gemmPtr(wasm, 'nn', t.dG, c.param('ffn.w_g.weight'), t.dTmp, N, C, F, false, scratch);
  gemmPtr(wasm, 'nn', t.dU, c.param('ffn.w_1.weight'), t.dTmp, N, C, F, true, scratch);
  gemmPtr(wasm, 'tn', t.dG, a.n2, c.grad('ffn.w_g.weight'), F, C, N, true, scratch);
  gemmPtr(wasm, 'tn', t.dU, a.n2, c.grad('ffn.w_1.weight'), F, C, N, true, scratch);
  rmsnormBwdPtr(wasm, t.dTmp, a.h, c.param('ffn_norm.weight'), a.rstd2, t.dTmp, c.grad('ffn_norm.weight'), N, C);
  accumulatePtr(wasm, t.dX, t.dTmp, N * C);
  // h = x + AttentionBlock(RMSNorm(x)): dX becomes ∂L/∂x.
  attentionBlockBackward(c, scalars, t.dX, t.dTmp);
  rmsnormBwdPtr(wasm, t.dTmp, a.x, c.param('attn_norm.weight'), a.rstd1, t.dTmp, c.grad('attn_norm.weight'), N, C);
  accumulatePtr(wasm, t.dX, t.dTmp, N * C);
  return t.dX;
}
