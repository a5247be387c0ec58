/**
 * The backward pass on the engine: the forward's kernel sequence in reverse, each step the
 * transpose of its forward (y = x Wᵀ ⇒ dx = dy W, dW += dyᵀ x; y = a + b ⇒ da = db = dy).
 * Gradients of parameters accumulate into the gradient block (zeroed by the caller unless it is
 * accumulating micro-batches); dlogits are already in `mem.logits` (cross-entropy in place).
 */
import { gemmPtr } from '../gemm.js';
import { accumulatePtr, embeddingBwdPtr, rmsnormBwdPtr, rotaryPtr, sigmoidBwdPtr, swigluBwdPtr } from '../kernels/index.js';
import type { EngineModelState } from './state.js';

export function backward(s: EngineModelState, B: number, T: number): void {
  const { wasm, config: c, mem } = s;
  const N = B * T, C = c.dModel, V = c.vocabSize;
  const scratch = mem.gemmScratch;
  // logits = nF Whᵀ
  gemmPtr(wasm, 'nn', mem.logits, s.headWeight(), mem.dTmp, N, C, V, false, scratch);
  gemmPtr(wasm, 'tn', mem.logits, mem.nF, s.headGrad(), V, C, N, true, scratch);
  rmsnormBwdPtr(wasm, mem.dTmp, mem.xF, s.param('norm.weight'), mem.rstdF, mem.dX, s.grad('norm.weight'), N, C);
  for (let l = c.numLayers - 1; l >= 0; l--) {
    ffnBackward(s, l, N);
    attentionBackward(s, l, B, T);
  }
  embeddingBwdPtr(wasm, mem.ids, mem.dX, s.grad('embed.weight'), N, V, C);
}

// x' = h + silu(n2 Wgᵀ) ⊙ (n2 W1ᵀ) W2ᵀ, n2 = RMSNorm(h): dX holds dx' on entry and dh on exit.
function ffnBackward(s: EngineModelState, l: number, N: number): void {
  const { wasm, config: c, mem } = s;
  const a = s.acts(l);
  const C = c.dModel, F = c.ffnHidden;
  const p = (n: string): number => s.param(`layers.${l}.${n}`);
  const g = (n: string): number => s.grad(`layers.${l}.${n}`);
  const scratch = mem.gemmScratch;
  gemmPtr(wasm, 'nn', mem.dX, p('ffn.w_2.weight'), mem.dM, N, F, C, false, scratch);
  gemmPtr(wasm, 'tn', mem.dX, a.m, g('ffn.w_2.weight'), C, F, N, true, scratch);
  swigluBwdPtr(wasm, mem.dM, a.g, a.u, mem.dG, mem.dU, N * F);
  gemmPtr(wasm, 'nn', mem.dG, p('ffn.w_g.weight'), mem.dTmp, N, C, F, false, scratch);
  gemmPtr(wasm, 'nn', mem.dU, p('ffn.w_1.weight'), mem.dTmp, N, C, F, true, scratch);
  gemmPtr(wasm, 'tn', mem.dG, a.n2, g('ffn.w_g.weight'), F, C, N, true, scratch);
  gemmPtr(wasm, 'tn', mem.dU, a.n2, g('ffn.w_1.weight'), F, C, N, true, scratch);
  rmsnormBwdPtr(wasm, mem.dTmp, a.h, p('ffn_norm.weight'), a.rstd2, mem.dTmp, g('ffn_norm.weight'), N, C);
  accumulatePtr(wasm, mem.dX, mem.dTmp, N * C);
}

// h = x + Attention(rotary(n1 Wqᵀ), rotary(n1 Wkᵀ), n1 Wvᵀ) Woᵀ, n1 = RMSNorm(x): dX holds dh on
// entry and dx on exit.
function attentionBackward(s: EngineModelState, l: number, B: number, T: number): void {
  const { wasm, config: c, mem } = s;
  const L = mem.attn;
  const a = s.acts(l);
  const N = B * T, C = c.dModel, Ow = L.H * L.dv;
  const p = (n: string): number => s.param(`layers.${l}.${n}`);
  const g = (n: string): number => s.grad(`layers.${l}.${n}`);
  const scratch = mem.gemmScratch;
  const out = L.kind === 'diff_v2' ? 'attn.o_proj.weight' : 'attn.out_proj.weight';
  gemmPtr(wasm, 'nn', mem.dX, p(out), mem.dz, N, Ow, C, false, scratch);
  gemmPtr(wasm, 'tn', mem.dX, a.z, g(out), C, Ow, N, true, scratch);

  const hasGain = L.kind === 'diff_v1' && c.sublnAffine;
  s.attention[l].backwardPtr(B, T, {
    q: a.q, k: a.k, v: a.v, lse: a.lse, rstd: a.rstdA, sigma: a.sig, gain: hasGain ? p('attn.subln.weight') : 0, dy: mem.dz,
    dq: mem.dq, dk: mem.dk, dv: mem.dv, dcoef: L.kind === 'baseline' ? 0 : mem.dCoef, dgain: hasGain ? mem.dGain : 0, scratch: mem.attnScratch,
  }, s.attentionScalars(l));
  if (hasGain) accumulatePtr(wasm, g('attn.subln.weight'), mem.dGain, L.dv);
  if (L.kind === 'diff_v1') lambdaBackward(s, l);

  // d n1 from the λ projection (V2), then from q, k and v.
  let first = true;
  const intoDn1 = (dy: number, w: string, width: number): void => {
    gemmPtr(wasm, 'nn', dy, p(w), mem.dTmp, N, C, width, !first, scratch);
    gemmPtr(wasm, 'tn', dy, a.n1, g(w), width, C, N, true, scratch);
    first = false;
  };
  if (L.kind === 'diff_v2') {
    sigmoidBwdPtr(wasm, mem.dCoef, a.lam, mem.dLam, N * L.H);
    intoDn1(mem.dLam, 'attn.lambda_proj.weight', L.H);
  }
  const rope = { T, D: L.d, half: c.rotaryDim / 2, style: c.ropeStyle, pos0: 0, sign: -1 as const };
  rotaryPtr(wasm, mem.dq, mem.cos, mem.sin, N, s.limits.maxContext, { ...rope, H: L.Hq });
  rotaryPtr(wasm, mem.dk, mem.cos, mem.sin, N, s.limits.maxContext, { ...rope, H: L.Hk });
  intoDn1(mem.dq, 'attn.q_proj.weight', L.Hq * L.d);
  intoDn1(mem.dk, 'attn.k_proj.weight', L.Hk * L.d);
  intoDn1(mem.dv, 'attn.v_proj.weight', L.Hv * L.dv);
  rmsnormBwdPtr(wasm, mem.dTmp, a.x, p('attn_norm.weight'), a.rstd1, mem.dTmp, g('attn_norm.weight'), N, C);
  accumulatePtr(wasm, mem.dX, mem.dTmp, N * C);
}

// λ = exp(λq1·λk1) − exp(λq2·λk2) + λinit (equation (2)), so with dλ from the kernel:
//   ∂L/∂λq1 = dλ·e^(λq1·λk1)·λk1,  ∂L/∂λk1 = dλ·e^(λq1·λk1)·λq1, and the same with −e^(λq2·λk2).
// Four vectors of size d: computed on the host in float64.
function lambdaBackward(s: EngineModelState, l: number): void {
  const dLambda = new Float32Array(s.wasm.memory.buffer, s.mem.dCoef, 1)[0];
  const { d1, d2 } = s.lambdaDots(l);
  const name = (n: string): string => `layers.${l}.attn.${n}`;
  const grad = (n: string): Float32Array => new Float32Array(s.wasm.memory.buffer, s.grad(name(n)), s.config.headDim);
  const terms: Array<[string, string, number]> = [
    ['lambda_q1', 'lambda_k1', Math.exp(d1)], ['lambda_k1', 'lambda_q1', Math.exp(d1)],
    ['lambda_q2', 'lambda_k2', -Math.exp(d2)], ['lambda_k2', 'lambda_q2', -Math.exp(d2)],
  ];
  for (const [target, other, e] of terms) {
    const gv = grad(target);
    const ov = s.paramView(name(other));
    for (let i = 0; i < gv.length; i++) gv[i] += dLambda * e * ov[i];
  }
}
